/**
 * Cancellation, as the docker CLI expects of a plugin:
 *  - DOCKER_CLI_PLUGIN_SOCKET (docker ≥ 25): connect to it; EOF on it means "cancel" (whatever
 *    signal the CLI got: buildx answers it with 130, and so do we). The address per OS (abstract
 *    on Linux, a path on macOS, unreachable from Node on Windows) is pluginSocketPath in
 *    src/os/host.ts. The CLI uses it when its stdout is not a TTY.
 *  - SIGINT/SIGTERM reach us directly (a terminal's Ctrl-C, or a `kill`).
 * What reaches the running child:
 *  - Ctrl-C on a terminal is delivered by the kernel to the whole foreground process group, child
 *    included, so SIGINT is not sent again when stdin is a terminal (the docker CLI leaves signals
 *    to the kernel in the same way when its stdout is a terminal); otherwise SIGINT, SIGTERM and a
 *    socket EOF are forwarded once per child.
 *  - A third signal kills the children (SIGKILL), like the docker CLI's "got 3 SIGTERM/SIGINTs,
 *    forcefully exiting". Only signals count: one Ctrl-C with stdout piped arrives both as SIGINT
 *    and as the CLI closing the socket, and must not count twice.
 * The exit code is 128+signo (130/143) when a signal or cancel ended the run, otherwise exactly the
 * child's.
 */
import { connect, type Socket } from 'node:net';
import { pluginSocketPath } from '../os/host.js';

interface Killable {
  kill(signal?: NodeJS.Signals): boolean;
}

export interface CancellationOptions {
  /** stdin is a terminal: the kernel delivers Ctrl-C to the whole process group. */
  terminal?: boolean;
}

export class Cancellation {
  private readonly children = new Map<Killable, boolean>();
  private socket: Socket | undefined;
  private signals = 0;
  private readonly terminal: boolean;
  /** The signal that asked us to stop, if any. */
  received: NodeJS.Signals | undefined;

  constructor(options: CancellationOptions = {}) {
    this.terminal = options.terminal ?? Boolean(process.stdin.isTTY);
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.signals++;
    this.cancel(signal, signal === 'SIGINT' && this.terminal);
  };

  install(env: NodeJS.ProcessEnv): void {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    const path = pluginSocketPath(process.platform, env['DOCKER_CLI_PLUGIN_SOCKET']);
    if (path) {
      const socket = connect({ path });
      socket.on('error', () => undefined); // old or absent CLI listener: nothing to cancel through
      // The CLI closes the socket for SIGINT and SIGTERM alike; buildx treats that EOF as a
      // cancel and exits 130 either way, so we do the same: SIGINT to the child, 130 from us.
      socket.on('end', () => this.cancel('SIGINT', false));
      socket.resume();
      socket.unref();
      this.socket = socket;
    }
  }

  uninstall(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    this.socket?.destroy();
    this.socket = undefined;
  }

  /**
   * A request to stop (a signal, or the plugin socket's EOF). `deliveredToGroup`: the children
   * already got this signal from the kernel.
   */
  cancel(signal: NodeJS.Signals, deliveredToGroup = false): void {
    this.received ??= signal;
    for (const [child, forwarded] of this.children) {
      if (this.signals >= 3) child.kill('SIGKILL');
      else if (!forwarded && !deliveredToGroup) {
        child.kill(signal);
        this.children.set(child, true);
      }
    }
  }

  /** A signal to this process, as from the OS (tests call it instead of process.kill). */
  signal(signal: NodeJS.Signals): void {
    this.onSignal(signal);
  }

  /**
   * Register a running child; returns the function that forgets it. A child started after a cancel
   * is ended at once, unless it `survivesCancel` (then it counts as already told, and only a third
   * signal ends it).
   */
  track(child: Killable, survivesCancel = false): () => void {
    let forwarded = false;
    if (this.received) {
      if (!survivesCancel) child.kill(this.received);
      forwarded = true;
    }
    this.children.set(child, forwarded);
    return () => this.children.delete(child);
  }
}
