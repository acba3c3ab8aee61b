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

export class ExecaRunner implements Runner {
  constructor(private readonly cancellation: Cancellation) {}

  async run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const inherit = options.stdio === 'inherit';
    if (inherit) return this.runInherited(file, args, options);
    // execa is loaded on first use: commands that start no captured process (version, help,
    // metadata, normalize, a plain build) do not pay for its initialisation (~20 ms).
    const { execa } = await import('execa');
    const child = execa(file, args, {
      reject: false,
      stdin: inherit ? 'inherit' : options.input !== undefined ? 'pipe' : 'ignore',
      stdout: inherit ? 'inherit' : 'pipe',
      stderr: inherit ? 'inherit' : 'pipe',
      input: options.input,
      env: options.env,
      extendEnv: true,
      cwd: options.cwd,
      stripFinalNewline: false,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    });
    const release = this.cancellation.track(child, options.survivesCancel ?? false);
    try {
      const r = await child;
      if (r.failed && r.exitCode === undefined && r.signal === undefined) {
        throw startFailure(file, r.cause as NodeJS.ErrnoException | undefined, String(r.shortMessage ?? r.message ?? ''));
      }
      const signal = r.signal as NodeJS.Signals | undefined;
      return {
        exitCode: r.exitCode ?? (signal ? 128 + signalNumber(signal) : 1),
        ...(signal ? { signal } : {}),
        stdout: typeof r.stdout === 'string' ? r.stdout : '',
        stderr: typeof r.stderr === 'string' ? r.stderr : '',
        ...(r.timedOut ? { timedOut: true } : {}),
      };
    } finally {
      release();
    }
  }

  /**
   * A child that owns the terminal (buildx progress, TTY kept, output never captured). Spawned
   * with node:child_process directly — argv array, no shell, like execa — because this is the
   * path of every build and passthrough, and execa's initialisation alone would add ~20 ms to it.
   */
  private runInherited(file: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(options.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
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
