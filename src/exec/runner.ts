/**
 * The one process seam. Every child process ocifix starts goes through a Runner: argv arrays,
 * never shell strings. Tests that only need to check an exact argv substitute a recording
 * Runner; everything else runs the real tools.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { OcifixError } from '../errors.js';
import { Cancellation } from './signals.js';

export interface RunOptions {
  /** 'inherit': the child owns the terminal (progress output, TTY kept); 'pipe': output is captured. */
  stdio?: 'inherit' | 'pipe';
  /** Extra environment (merged over the process env); a value of undefined removes the variable. */
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  /** With stdio 'inherit': where stdout goes instead ('ignore': dropped; 'pipe': captured in the result). */
  stdout?: 'inherit' | 'ignore' | 'pipe';
  /** With stdio 'inherit': a file the child reads as stdin instead of ours. */
  stdinFile?: string;
  /** With stdio 'pipe': end the child (SIGTERM) after this many milliseconds; the result says timedOut. */
  timeoutMs?: number;
  /**
   * Not ended when started after a cancel (a bounded read of what a cancelled write left behind, so
   * the last message can say it); a third signal still kills it.
   */
  survivesCancel?: boolean;
}

export interface RunResult {
  exitCode: number;
  /** Set when the child was ended by a signal. */
  signal?: NodeJS.Signals;
  stdout: string;
  stderr: string;
  /** Ended because it ran longer than timeoutMs. */
  timedOut?: boolean;
}

export interface Runner {
  run(file: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

/** Captured output beyond this is an error, not an out-of-memory crash. */
const MAX_CAPTURE = 256 * 1024 * 1024;

export class ProcessRunner implements Runner {
  constructor(private readonly cancellation: Cancellation) {}

  run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return options.stdio === 'inherit' ? this.runInherited(file, args, options) : this.runCaptured(file, args, options);
  }

  /**
   * A child whose stdout and stderr are captured (registry reads and writes, probes). Spawned with
   * node:child_process — argv array, no shell — rather than execa, whose initialisation (~20 ms of
   * CPU and garbage) was most of ocifix's own cost on a registry command.
   */
  private runCaptured(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
    return new Promise((resolve, reject) => {
      const stdin = options.input !== undefined ? 'pipe' : 'ignore';
      const child = spawn(file, [...args], { stdio: [stdin, 'pipe', 'pipe'], env: childEnv(options.env), cwd: options.cwd, shell: false });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_CAPTURE) child.kill('SIGKILL');
        else into.push(chunk);
      };
      child.stdout?.on('data', collect(out));
      child.stderr?.on('data', collect(err));
      if (options.input !== undefined) {
        child.stdin?.on('error', () => {}); // a child that exits without reading its input
        child.stdin?.end(options.input);
      }
      const release = this.cancellation.track(child, options.survivesCancel ?? false);
      let timedOut = false;
      const timer = options.timeoutMs ? setTimeout(() => ((timedOut = true), child.kill('SIGTERM')), options.timeoutMs) : undefined;
      child.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        release();
        reject(startFailure(file, error, error.message));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        release();
        if (size > MAX_CAPTURE) {
          reject(new OcifixError(`${file} printed more than ${MAX_CAPTURE} bytes`, 1));
          return;
        }
        resolve({
          exitCode: code ?? (signal ? 128 + signalNumber(signal) : 1),
          ...(signal ? { signal } : {}),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          ...(timedOut ? { timedOut: true } : {}),
        });
      });
    });
  }

  /**
   * A child that owns the terminal (buildx progress, TTY kept, output never captured). Spawned
   * with node:child_process directly — argv array, no shell, like execa — because this is the
   * path of every build and passthrough, and execa's initialisation alone would add ~20 ms to it.
   */
  private runInherited(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
    const env = childEnv(options.env);
    let stdinFd: number | undefined;
    try {
      if (options.stdinFile !== undefined) stdinFd = openSync(options.stdinFile, 'r');
    } catch (error) {
      return Promise.reject(new OcifixError(`cannot read ${options.stdinFile} (${(error as NodeJS.ErrnoException).code ?? String(error)})`));
    }
    return new Promise((resolve, reject) => {
      const child = spawn(file, [...args], { stdio: [stdinFd ?? 'inherit', options.stdout ?? 'inherit', 'inherit'], env, cwd: options.cwd, shell: false });
      if (stdinFd !== undefined) closeSync(stdinFd); // the child has its own copy
      const out: Buffer[] = [];
      child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
      const release = this.cancellation.track(child);
      child.once('error', (error: NodeJS.ErrnoException) => {
        release();
        reject(startFailure(file, error, error.message));
      });
      // 'close', not 'exit': a captured stdout is complete only when its pipe is
      child.once('close', (code, signal) => {
        release();
        resolve({
          exitCode: code ?? (signal ? 128 + signalNumber(signal) : 1),
          ...(signal ? { signal } : {}),
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: '',
        });
      });
    });
  }
}

/** The process env with `extra` merged over it (a value of undefined removes the variable). */
function childEnv(extra: Record<string, string | undefined> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function startFailure(file: string, cause: NodeJS.ErrnoException | undefined, message: string): OcifixError {
  if (cause?.code === 'ENOENT') {
    return new OcifixError(`${file}: executable not found. Install the Docker CLI (https://docs.docker.com/engine/install/) or put it on PATH.`, 127);
  }
  return new OcifixError(`could not run ${file}: ${message}`, 126);
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
export function signalNumber(signal: NodeJS.Signals): number {
  return SIGNALS[signal] ?? 1;
}
