// `scripts/test-env down` beside daemons that are not ours (another checkout's stack, another CI
// job): it must end only the daemons whose command line names its own state dir, leave the others
// running, and still exit 0 and remove the state dir when a foreign daemon is the LAST entry of
// /proc in glob order (leftover_pids once ended its pipeline with a failing test there, and
// `set -o pipefail` made `down` exit 1 silently with the state dir left behind).
//
// The order of /proc is made deterministic in a private pid namespace (unshare --pid
// --mount-proc): ns_last_pid puts the foreign decoy at pid 99999, which sorts after every other pid
// the namespace will use. Decoys are copies of sleep named buildkitd (that is what /proc/PID/comm
// shows), with a state dir in their argv. Needs root (unshare, ns_last_pid), like the stack.
import { mkdirSync, mkdtempSync, copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
const TEST_ENV = join(REPO, 'scripts', 'test-env');
const base = mkdtempSync(join(tmpdir(), 'ocifix-down-'));

afterAll(() => rmSync(base, { recursive: true, force: true }));

const SCRIPT = String.raw`
set -u
state=$1 decoy=$2 testenv=$3
# ours: a "buildkitd" whose argv names the state dir being taken down
(exec -a "buildkitd --root $state/bk-a" "$decoy" 300) &
ours=$!
# foreign: another stack's buildkitd, at the pid that sorts last in /proc
echo 99998 >/proc/sys/kernel/ns_last_pid
(exec -a "buildkitd --root /tmp/ocifix-stack-someone-else/bk-a" "$decoy" 300) &
foreign=$!
sleep 0.2
for f in /proc/[0-9]*; do last=$f; done   # the glob leftover_pids walks, in its order
echo "foreign=$foreign last=$last comm=$(cat /proc/$foreign/comm)"
OCIFIX_TEST_STATE=$state "$testenv" down
echo "down=$?"
# S/R: still running; Z or gone: ended (this shell, its parent, reaps it)
state_of() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo gone; }
echo "ours=$(state_of "$ours") foreign=$(state_of "$foreign")"
kill -KILL "$ours" "$foreign" 2>/dev/null
`;

describe('scripts/test-env down next to a foreign daemon listed last in /proc', () => {
  it('exits 0, removes the state dir, ends our leftover daemon and leaves the foreign one running', async () => {
    const state = join(base, 'state');
    mkdirSync(join(state, 'bk-a'), { recursive: true });
    writeFileSync(join(state, 'bk-a', 'junk'), 'x');
    const decoy = join(base, 'buildkitd');
    copyFileSync('/bin/sleep', decoy);
    await execa('chmod', ['755', decoy]);

    const r = await execa('unshare', ['--pid', '--fork', '--mount-proc', 'bash', '-c', SCRIPT, 'ns', state, decoy, TEST_ENV], {
      reject: false,
      timeout: 45_000,
    });
    const why = `exit ${r.exitCode}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
    expect(r.exitCode, why).toBe(0);
    // the precondition: the foreign decoy really is the last /proc entry, and is named buildkitd
    expect(r.stdout, why).toContain('foreign=99999 last=/proc/99999 comm=buildkitd');
    expect(r.stdout, why).toContain('down=0');
    expect(existsSync(state), why).toBe(false);
    // ours was ended by down; the foreign one is still running
    expect(r.stdout, why).toMatch(/ours=(Z|gone) foreign=[SR]$/m);
    expect(r.stderr, why).toContain('ending leftover pids:');
  });
});
