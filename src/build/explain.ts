/** Explain mode: the plan as text (for people) or JSON (for scripts). Pure. */
import { shellQuote } from '../buildflags/args.js';
import { describeStep } from './steps.js';
import { fixById } from './fixes/index.js';
import { failed, type BuildPlan, type Facts } from './types.js';

function facts(f: Facts): string[] {
  const out: string[] = [];
  if (f.buildxVersion !== undefined) out.push(`buildx version: ${failed(f.buildxVersion) ? `unknown (${f.buildxVersion.error})` : f.buildxVersion}`);
  if (f.builder !== undefined) {
    out.push(
      failed(f.builder)
        ? `builder: unknown (${f.builder.error})`
        : `builder: ${f.builder.name}, ${f.builder.driver} driver, ${f.builder.nodes.length} node${f.builder.nodes.length === 1 ? '' : 's'}`,
    );
  }
  if (f.daemon !== undefined) {
    out.push(
      failed(f.daemon)
        ? `daemon: unknown (${f.daemon.error})`
        : `daemon: ${f.daemon.platform}, ${f.daemon.containerdStore ? 'containerd image store' : 'classic image store'}`,
    );
  }
  return out;
}

/** The first line: the buildx command that would run (or why nothing would). */
export function runLine(plan: BuildPlan, globals: readonly string[]): string {
  if (plan.refusal) return 'would not run: ' + plan.refusal;
  const env = Object.entries(plan.buildxEnv).map(([k, v]) => `${k}=${v}`);
  return `run: ${env.length ? `${shellQuote(env)} ` : ''}${shellQuote(['docker', ...globals, 'buildx', ...plan.buildxArgs])}`;
}

/** The post-build steps (after success, on failure, always) and what was probed. */
export function stepLines(plan: BuildPlan, globals: readonly string[]): string[] {
  const lines: string[] = [];
  const section = (when: 'success' | 'failure' | 'always', title: string, numbered: boolean): void => {
    const steps = plan.postSteps.filter((s) => s.when === when);
    if (steps.length === 0 || plan.refusal) return;
    lines.push(title);
    steps.forEach((s, i) => lines.push(`  ${numbered ? `${i + 1}.` : '-'} ${describeStep(s, { globals })}`));
  };
  section('success', 'then:', true);
  section('failure', 'if the build fails:', false);
  section('always', 'always:', false);
  const f = facts(plan.facts);
  lines.push(f.length ? `probed: ${f.join('; ')}` : 'probed: nothing');
  return lines;
}

export function explainText(plan: BuildPlan, globals: readonly string[]): string {
  const lines: string[] = [runLine(plan, globals)];
  if (plan.passthrough) lines.push('(unchanged: no pitfall found)');
  if (plan.fixes.length) lines.push(`fixes: ${plan.fixes.map((id) => `${id} (${fixById(id)?.title ?? '?'})`).join('; ')}`);
  if (plan.notices.length) {
    lines.push('changes:');
    for (const n of plan.notices) lines.push(`  ${n}`);
  }
  return `${[...lines, ...stepLines(plan, globals)].join('\n')}\n`;
}

export function explainJson(plan: BuildPlan, globals: readonly string[]): string {
  return `${JSON.stringify({ docker: [...globals], ...plan }, null, 2)}\n`;
}
