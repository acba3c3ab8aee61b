/** Explain mode for bake: per target the resolved request, the overrides and the steps; text or JSON. Pure. */
import { shellQuote } from '../buildflags/args.js';
import { runLine, stepLines } from '../build/explain.js';
import type { BuildRequest } from '../build/request.js';
import type { BakePlan, TargetPlan } from './planner.js';

/** What explain shows of a target's request (never the environment: it may hold credentials). */
function requestSummary(r: BuildRequest): Record<string, unknown> {
  return {
    platforms: r.platforms,
    outputs: r.outputs.map((o) => o.raw ?? o.type),
    tags: r.tags,
    annotations: r.annotations.map((a) => a.raw),
    ...(r.multiPlatform !== undefined ? { multiPlatform: r.multiPlatform } : {}),
    attestations: r.attestations,
    ...(r.handOff ? { handOff: r.handOff.reason } : {}),
  };
}

const MODE: Record<BakePlan['mode'], string> = {
  unchanged: 'unchanged: no target meets a pitfall',
  overrides: "the user's command plus --set overrides",
  definition: 'a rewritten definition fed with --file - (annotations and attest only append: a --set cannot drop or split one)',
};

function targetLines(t: TargetPlan): string[] {
  const r = requestSummary(t.request);
  const lines = [`target "${t.name}": ${t.fixes.length ? `fixes ${t.fixes.join(', ')}` : 'no fix'}`];
  lines.push(
    `  request: platforms ${(r['platforms'] as string[]).join(',') || '(default)'}; outputs ${(r['outputs'] as string[]).join(' | ') || '(none)'}; tags ${(r['tags'] as string[]).join(', ') || '(none)'}`,
  );
  if (t.overrides.length)
    lines.push(
      `  ${t.overrides.every((o) => o.includes('=')) ? 'overrides' : 'rewritten'}: ${t.overrides.map((o) => (o.includes('=') ? shellQuote(['--set', o]) : o)).join(' ')}`,
    );
  for (const n of t.notices) lines.push(`  ${n}`);
  if (t.refusal) lines.push(`  refused: ${t.refusal}`);
  return lines;
}

export function explainBakeText(plan: BakePlan, globals: readonly string[]): string {
  // the build's run line and steps, with the bake's own lines (mode, targets) between them
  const lines = [
    runLine(plan, globals) + (plan.stdinFile && !plan.refusal ? ` < ${plan.stdinFile}` : ''),
    `mode: ${MODE[plan.mode]}`,
    ...plan.targets.flatMap(targetLines),
    ...plan.notices.filter((n) => !plan.targets.some((t) => t.notices.includes(n))),
    ...stepLines(plan, globals),
  ];
  return `${lines.join('\n')}\n`;
}

export function explainBakeJson(plan: BakePlan, globals: readonly string[]): string {
  const targets = plan.targets.map((t) => ({ ...t, request: requestSummary(t.request) }));
  return `${JSON.stringify({ docker: [...globals], ...plan, targets }, null, 2)}\n`;
}
