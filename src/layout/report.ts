/**
 * The human-readable form of a normalize report (what `docker ocifix normalize` prints on stdout
 * without --json). Pure.
 */
import { shortDigest } from '../oci/digest.js';
import { type Descriptor, mediaKind } from '../oci/media.js';
import { CONTAINERD_NAME, REF_NAME } from '../oci/refname.js';
import type { NormalizeReport } from './normalize.js';

function entryLine(d: Descriptor, i: number): string {
  const a = d.annotations ?? {};
  const parts = [`  [${i}] ${shortDigest(d.digest)} ${mediaKind(d.mediaType)} ${d.size}B`];
  parts.push(a[REF_NAME] !== undefined ? `ref.name=${a[REF_NAME]}` : 'ref.name=(none)');
  if (a[CONTAINERD_NAME] !== undefined) parts.push(`image.name=${a[CONTAINERD_NAME]}`);
  return parts.join('  ');
}

/** Human-readable plan/report (stdout). */
export function formatReport(r: NormalizeReport): string {
  const lines: string[] = [];
  const where = r.inPlace ? r.layout : `${r.layout} -> ${r.output}`;
  const n = (k: number): string => `${k} entr${k === 1 ? 'y' : 'ies'}`;
  if (!r.changed) {
    const ref = r.keptRef?.refName ?? r.keptRef?.imageName;
    lines.push(
      `${where} (${r.kind}): already normal for --mode ${r.mode}: ${n(r.entriesAfter.length)}${ref ? `, ref.name ${r.keptRef?.refName ?? '(none)'}` : ''}`,
    );
    if (r.written) lines.push(`copied unchanged to ${r.output}`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`${where} (${r.kind}), --mode ${r.mode}: ${n(r.entriesBefore.length)} -> ${n(r.entriesAfter.length)}`);
  lines.push('before:');
  r.entriesBefore.forEach((d, i) => lines.push(entryLine(d, i)));
  lines.push('after:');
  r.entriesAfter.forEach((d, i) => lines.push(entryLine(d, i)));
  lines.push('changes:');
  for (const c of r.changes) lines.push(`  - ${c.message}`);
  if (r.written) lines.push(`normalized ${r.inPlace ? r.layout : r.output}`);
  else if (r.check) lines.push(`${r.layout} is not normal (run without --check to fix it)`);
  else lines.push('dry run: nothing written');
  return `${lines.join('\n')}\n`;
}
