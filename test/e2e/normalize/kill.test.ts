// Crash safety: `kill -9` of the built binary at random points while it normalizes a layout
// (directory and tar, in place and with -o). After every kill the layout must be the old one or the
// new one, readable by skopeo; a re-run must then finish the job and leave no temporaries behind.
//
// Half the kill points are uniform over the whole run; the other half are aimed at the write
// window: an inotify watch on the target directory sees the first `.ocifix-*.tmp` appear and the
// kill follows after a random 0..W ms.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeResult, requireStack, run, skopeo, workDir } from '../helpers/stack.js';
import { makeLayout, tarLayout } from '../../fixtures/normalize/layouts.js';
import { BIN, requireBinary } from './helpers.js';

const TRIALS_PER_SCENARIO = 15;
const MIB = 1024 * 1024;

type State = 'old' | 'new' | 'old+oci-layout';

interface Scenario {
  name: string;
  tar: boolean;
  /** -o target (relative to the trial dir), or undefined for in place */
  output?: string;
  /** max extra delay after the first temp file appears */
  windowMs: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'directory in place (comma-joined, no oci-layout)', tar: false, windowMs: 6 },
  { name: 'directory -o', tar: false, output: 'out', windowMs: 30 },
  { name: 'tar in place (per-tag, 2 × 8 MiB layers)', tar: true, windowMs: 40 },
  { name: 'tar -o', tar: true, output: 'out.tar', windowMs: 40 },
];

const sha = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');
const temps = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((n) => n.includes('.ocifix-')) : []);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kill -9 during normalize', () => {
  let dirLayout: string;
  let tarFile: string;
  let dirDigest: string;
  let tarDigest: string;

  beforeAll(async () => {
    await requireStack();
    requireBinary();
    const base = workDir('norm-kill');
    const d = makeLayout({ shape: 'comma', payloadBytes: 4 * MIB }, join(base, 'dir-src'));
    dirLayout = d.dir;
    dirDigest = d.image.digest;
    const t = makeLayout({ shape: 'per-tag', payloadBytes: 8 * MIB }, join(base, 'tar-src'));
    tarFile = join(base, 'src.tar');
    await tarLayout(t.dir, tarFile);
    tarDigest = t.image.digest;
  });

  it.each(SCENARIOS)('$name: old or new layout after every kill, readable by skopeo', async (sc) => {
    const src = sc.tar ? tarFile : dirLayout;
    const digest = sc.tar ? tarDigest : dirDigest;
    const copy = async (into: string): Promise<string> => {
      const p = join(into, sc.tar ? 'layout.tar' : 'layout');
      const r = await run('cp', ['-a', src, p]);
      expect(r.exitCode, describeResult(r)).toBe(0);
      return p;
    };
    const argsFor = (p: string, trialDir: string) => ['normalize', p, ...(sc.output ? ['-o', join(trialDir, sc.output)] : [])];
    const targetOf = (p: string, trialDir: string) => (sc.output ? join(trialDir, sc.output) : p);

    // Reference run: the "new" state and how long a run takes.
    const refDir = workDir('norm-kill-ref');
    const refPath = await copy(refDir);
    const t0 = Date.now();
    const ref = await run(BIN, argsFor(refPath, refDir));
    const runMs = Date.now() - t0;
    expect(ref.exitCode, describeResult(ref)).toBe(0);
    const refTarget = targetOf(refPath, refDir);
    const newFp = sc.tar ? sha(refTarget) : `${sha(join(refTarget, 'index.json'))}/${sha(join(refTarget, 'oci-layout'))}`;
    const oldIndex = sc.tar ? '' : sha(join(dirLayout, 'index.json'));
    const oldTar = sc.tar ? sha(tarFile) : '';

    const counts: Record<State, number> = { old: 0, new: 0, 'old+oci-layout': 0 };
    let killedWhileWriting = 0;
    for (let i = 0; i < TRIALS_PER_SCENARIO; i++) {
      const trialDir = workDir('norm-kill-trial');
      mkdirSync(trialDir, { recursive: true });
      const p = await copy(trialDir);
      const target = targetOf(p, trialDir);
      const watchDir = sc.output || sc.tar ? dirname(target) : target;

      const aimed = i % 2 === 1;
      const child = spawn(BIN, argsFor(p, trialDir), { stdio: 'ignore' });
      const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_c, sig) => res(sig)));
      let timer: NodeJS.Timeout | undefined;
      let watcher: FSWatcher | undefined;
      let sawTemp = false;
      if (aimed) {
        watcher = watch(watchDir, (_ev, name) => {
          if (sawTemp || !name || !name.includes('.ocifix-')) return;
          sawTemp = true;
          timer = setTimeout(() => child.kill('SIGKILL'), Math.random() * sc.windowMs);
        });
      } else {
        timer = setTimeout(() => child.kill('SIGKILL'), Math.random() * runMs * 1.2);
      }
      const sig = await exited;
      clearTimeout(timer);
      watcher?.close();
      if (sig === 'SIGKILL' && temps(watchDir).length > 0) killedWhileWriting++;

      // Classify what the kill left.
      let state: State;
      if (sc.tar) {
        if (sc.output) {
          expect(sha(p)).toBe(oldTar);
          state = existsSync(target) ? 'new' : 'old';
          if (state === 'new') expect(sha(target)).toBe(newFp);
        } else {
          const s = sha(p);
          expect([oldTar, newFp]).toContain(s);
          state = s === newFp ? 'new' : 'old';
        }
        // Both shapes carry ref.name 1; the new one also reads without a reference.
        const path = state === 'new' ? target : p;
        const r = await skopeo(['inspect', `oci-archive:${path}:1`]);
        expect(r.exitCode, describeResult(r)).toBe(0);
        expect(JSON.parse(r.stdout).Digest).toBe(digest);
        if (state === 'new') expect((await skopeo(['inspect', `oci-archive:${path}`])).exitCode).toBe(0);
      } else {
        const dir = sc.output ? (existsSync(target) ? target : p) : p;
        if (sc.output) {
          expect(sha(join(p, 'index.json'))).toBe(oldIndex);
          expect(existsSync(join(p, 'oci-layout'))).toBe(false);
        }
        const idx = sha(join(dir, 'index.json'));
        const lay = existsSync(join(dir, 'oci-layout')) ? sha(join(dir, 'oci-layout')) : undefined;
        if (`${idx}/${lay}` === newFp) state = 'new';
        else if (idx === oldIndex && lay === undefined) state = 'old';
        else if (idx === oldIndex && lay !== undefined && newFp.endsWith(`/${lay}`)) state = 'old+oci-layout';
        else throw new Error(`trial ${i}: unexpected layout state index.json=${idx} oci-layout=${lay ?? 'absent'}`);
        const r = await skopeo(['inspect', `oci:${dir}`]);
        expect(r.exitCode, describeResult(r)).toBe(0);
        expect(JSON.parse(r.stdout).Digest).toBe(digest);
      }
      counts[state]++;

      // A re-run finishes the job and clears the killed run's temporaries (with -o, a finished
      // target is complete already and a directory target would be refused as not empty).
      const again = await run(BIN, sc.output && state === 'new' ? ['normalize', '--check', target] : argsFor(p, trialDir));
      expect(again.exitCode, describeResult(again)).toBe(0);
      const fin = sc.tar ? sha(target) : `${sha(join(target, 'index.json'))}/${sha(join(target, 'oci-layout'))}`;
      expect(fin).toBe(newFp);
      expect(temps(watchDir)).toEqual([]);
      await sleep(1);
    }
    const total = counts.old + counts.new + counts['old+oci-layout'];
    expect(total).toBe(TRIALS_PER_SCENARIO);
    process.stdout.write(
      `[kill -9] ${sc.name}: ${total} trials, run ≈ ${runMs} ms: ${JSON.stringify(counts)}; ${killedWhileWriting} left a temporary (killed mid-write)\n`,
    );
  });
});
