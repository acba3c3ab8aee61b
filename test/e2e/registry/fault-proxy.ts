/**
 * A fault-injecting HTTP proxy in front of the stack's real registry, driven by the tests: each
 * rule matches requests (method + path regex, optionally only after a given request has been seen)
 * and, a set number of times, resets the connection, answers with a status, delays the request or
 * never answers. Every request is logged (method, path, what happened) so a test can say what the
 * client did.
 *
 * Plain mode: clients reach it as 127.0.0.1:PORT (plain HTTP, like the stack's plain registry).
 * TLS mode (in front of the stack's TLS + htpasswd registry): it serves https with that registry's
 * own certificate on a fixed address that buildkitd trusts and the test docker configs hold a login
 * for (scripts/test-env: OCIFIX_SECURE_FAULT_PROXY), forwards over https trusting the stack's CA,
 * and passes the client's Authorization through, so the registry's 401 → Basic exchange is the
 * client's own. In both modes the client's Host header is kept, so the registry's upload Location
 * URLs point back at the proxy: every request of a push goes through it.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, request as tlsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export type FaultAction = { kind: 'reset' } | { kind: 'status'; status: number } | { kind: 'delay'; ms: number } | { kind: 'stall' };

export interface FaultRule {
  method?: RegExp;
  path: RegExp;
  /** The rule applies only once a request matching this was seen (e.g. after the manifest PUT). */
  after?: { method?: RegExp; path: RegExp };
  /** How many matching requests it hits (default 1; Infinity for all). */
  times?: number;
  action: FaultAction;
}

export interface Logged {
  method: string;
  path: string;
  fault?: FaultAction['kind'];
  status?: number;
}

export class FaultProxy {
  readonly log: Logged[] = [];
  private rules: Array<FaultRule & { left: number; armed: boolean }> = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly stalled = new Set<ServerResponse>();

  /**
   * `upstream` is the registry's host:port. With `tls`, the proxy serves https with cert/key and
   * trusts `ca` for the upstream.
   */
  constructor(
    private readonly upstream: string,
    private readonly tls?: { cert: string | Buffer; key: string | Buffer; ca: string | Buffer },
  ) {}

  /**
   * Starts listening on `host` (an ephemeral port unless `port` is given); returns the
   * `HOST:PORT` it listens on.
   */
  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.handle(req, res);
    this.server = this.tls ? createTlsServer({ cert: this.tls.cert, key: this.tls.key }, handler) : createServer(handler);
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', (e: NodeJS.ErrnoException) =>
        reject(e.code === 'EADDRINUSE' ? new Error(`the fault proxy cannot listen on ${host}:${port}: something else already does; stop it first`) : e),
      );
      this.server!.listen(port, host, resolve);
    });
    return `${host}:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const r of this.stalled) r.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, left: rule.times ?? 1, armed: rule.after === undefined });
  }

  /** Forget the rules and the log (between tests). */
  clear(): void {
    this.rules = [];
    this.log.length = 0;
  }

  /** The requests that got a fault. */
  faults(): Logged[] {
    return this.log.filter((l) => l.fault !== undefined);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const entry: Logged = { method, path };
    this.log.push(entry);
    let action: FaultAction | undefined;
    for (const r of this.rules) {
      if (!r.armed) continue;
      if (r.left > 0 && (r.method ?? /.*/).test(method) && r.path.test(path)) {
        r.left--;
        action = r.action;
        break;
      }
    }
    // arm the rules waiting for this request (after the match above: a request does not trigger itself)
    for (const r of this.rules) if (!r.armed && r.after && (r.after.method ?? /.*/).test(method) && r.after.path.test(path)) r.armed = true;
    if (action) entry.fault = action.kind;
    if (action?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (action?.kind === 'stall') {
      this.stalled.add(res);
      return;
    }
    if (action?.kind === 'status') {
      entry.status = action.status;
      res.writeHead(action.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `injected ${action.status}` }] }));
      return;
    }
    const forward = (): void => {
      const answer = (ur: IncomingMessage): void => {
        entry.status = ur.statusCode;
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      };
      const up = this.tls
        ? tlsRequest(
            `https://${this.upstream}${path}`,
            { method, headers: req.headers, ca: this.tls.ca, servername: this.upstream.replace(/:\d+$/, '') },
            answer,
          )
        : request(`http://${this.upstream}${path}`, { method, headers: req.headers }, answer);
      up.on('error', () => res.destroy());
      req.pipe(up);
    };
    if (action?.kind === 'delay') setTimeout(forward, action.ms);
    else forward();
  }
}
