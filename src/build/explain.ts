/** Explain mode: the plan as text (for people) or JSON (for scripts). Pure. */
import { shellQuote } from '../buildflags/args.js';
import { failed, type BuildPlan, type Facts, type PostStep } from './types.js';

function step(s: PostStep, globals: readonly string[]): string {
  switch (s.kind) {
    case 'buildx':
      return `${s.why}: ${shellQuote(['docker', ...globals, 'buildx', ...s.args])}`;
    case 'normalize':
      return `normalize the OCI layout ${s.path} to one index.json entry named ${s.ref} (docker ocifix normalize ${shellQuote([s.path])} --ref ${shellQuote([s.ref])})`;
    case 'annotate':
      return `add ${s.annotations.join(', ')} to the pushed index and write it to ${s.refs.join(', ')} (docker ocifix annotate)`;
    case 'verify-annotations':
      return `read ${s.refs.join(', ')} back and check ${s.annotations.join(', ')} (docker ocifix verify)`;
    case 'verify-tags':
      return `check that ${s.refs.join(', ')} resolve${s.refs.length === 1 ? 's' : ''} to the pushed digest; re-point any that does not (docker ocifix verify --fix)`;
    case 'remove-empty-output':
      return `remove ${s.path} if the failed build left it empty and it did not exist before`;
    case 'remove-temp':
      return `remove the temporary ${s.path}`;
  }
}

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

export function explainText(plan: BuildPlan, globals: readonly string[]): string {
  const lines: string[] = [];
  if (plan.refusal) {
    lines.push('would not run: ' + plan.refusal);
  } else {
    const env = Object.entries(plan.buildxEnv).map(([k, v]) => `${k}=${v}`);
    lines.push(`run: ${env.length ? `${shellQuote(env)} ` : ''}${shellQuote(['docker', ...globals, 'buildx', ...plan.buildxArgs])}`);
  }
  if (plan.passthrough) lines.push('(unchanged: no pitfall found)');
  if (plan.notices.length) {
    lines.push('changes:');
    for (const n of plan.notices) lines.push(`  ${n}`);
  }
  const after = plan.postSteps.filter((s) => s.when === 'success');
  if (after.length && !plan.refusal) {
    lines.push('then:');
    after.forEach((s, i) => lines.push(`  ${i + 1}. ${step(s, globals)}`));
  }
  const onFailure = plan.postSteps.filter((s) => s.when === 'failure');
  if (onFailure.length && !plan.refusal) {
    lines.push('if the build fails:');
    for (const s of onFailure) lines.push(`  - ${step(s, globals)}`);
  }
  const always = plan.postSteps.filter((s) => s.when === 'always');
  if (always.length && !plan.refusal) {
    lines.push('always:');
    for (const s of always) lines.push(`  - ${step(s, globals)}`);
  }
  const f = facts(plan.facts);
  lines.push(f.length ? `probed: ${f.join('; ')}` : 'probed: nothing');
  return `${lines.join('\n')}\n`;
}

export function explainJson(plan: BuildPlan, globals: readonly string[]): string {
  return `${JSON.stringify({ docker: [...globals], ...plan }, null, 2)}\n`;
}
