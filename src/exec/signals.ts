/**
 * Cancellation, as the docker CLI expects of a plugin:
 *  - DOCKER_CLI_PLUGIN_SOCKET (docker ≥ 25): connect to it; EOF on it means "cancel". On Linux the
 *    address is abstract: a leading '@' becomes '\0'. The CLI uses it when its stdout is not a TTY.
 *  - SIGINT/SIGTERM reach us directly (terminal, or a `kill`): forward them to the running child.
 * Whatever ended the run, the exit code is 128+signo (130/143) when a signal or cancel ended it,
 * otherwise exactly the child's.
 */
import { connect, type Socket } from 'node:net';

interface Killable {
  kill(signal?: NodeJS.Signals): boolean;
}

export class Cancellation {
  private readonly children = new Set<Killable>();
  private socket: Socket | undefined;
  /** The signal that asked us to stop, if any. */
  received: NodeJS.Signals | undefined;

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.cancel(signal);
  };

  install(env: NodeJS.ProcessEnv): void {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    const addr = env['DOCKER_CLI_PLUGIN_SOCKET'];
    if (addr) {
      const path = addr.startsWith('@') ? `\0${addr.slice(1)}` : addr;
      const socket = connect({ path });
      socket.on('error', () => undefined); // old or absent CLI listener: nothing to cancel through
      socket.on('end', () => this.cancel('SIGTERM'));
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

  cancel(signal: NodeJS.Signals): void {
    this.received ??= signal;
    for (const child of this.children) child.kill(signal);
  }

  /** Register a running child; returns the function that forgets it. */
  track(child: Killable): () => void {
    if (this.received) child.kill(this.received);
    this.children.add(child);
    return () => this.children.delete(child);
  }
}
