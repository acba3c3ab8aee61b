import { Command, Option } from 'clipanion';
import type { VerifyReport } from '../registry/planners.js';
import { verifyTag } from '../registry/execute.js';
import { RegistryCommand } from './registry-base.js';

export class VerifyCommand extends RegistryCommand {
  static override paths = [['verify']];
  static override usage = Command.Usage({
    description: 'Check that a tag points at an index with the expected platforms, digest and annotations',
    details: `
      Exit 0 when REF resolves to an index (OCI index or Docker manifest list) that holds every
      \`--platform\` (attestation entries, \`unknown/unknown\`, do not count), is at \`--digest\` and
      carries every \`--annotation\` (\`index:KEY=VALUE\` or
      \`manifest-descriptor[os/arch]:KEY=VALUE\`; the type is required). Exit 1 with a report otherwise.

      \`--fix\` re-points the tag to \`--digest\` when the tag is missing, on a platform manifest or
      on another digest (compare-and-swap, byte-identical copy), then checks again.
    `,
    examples: [
      ['Both platforms present', '$0 verify registry.example.com/app:1.2 --platform linux/amd64,linux/arm64'],
      [
        'Expected digest and annotation',
        '$0 verify registry.example.com/app:1.2 --digest sha256:0123… --annotation index:org.opencontainers.image.version=1.2',
      ],
      ['Repair a tag left on a platform manifest', '$0 verify registry.example.com/app:1.2 --digest sha256:0123… --fix'],
    ],
  });

  ref = Option.String({ name: 'REF' });
  platforms = Option.Array('--platform', [], { description: 'Platform the index must hold: os/arch[/variant] (comma list, repeatable)' });
  digest = Option.String('--digest', { description: 'Digest the tag must resolve to (sha256:…)' });
  annotations = Option.Array('--annotation', [], {
    description: 'Annotation that must be present: index:KEY=VALUE or manifest-descriptor[os/arch]:KEY=VALUE (repeatable)',
  });
  fix = Option.Boolean('--fix', false, { description: 'Re-point the tag to --digest when it is wrong' });

  private printReport(r: VerifyReport, label: string): void {
    this.print(`${label}${r.ref}: ${r.ok ? 'OK' : 'FAILED'}`);
    if (r.found) {
      this.print(`  digest:      ${r.digest} (${r.mediaType})`);
      if (r.kind === 'index') {
        this.print(
          `  platforms:   ${r.platforms.join(', ') || '(none)'}${r.attestations ? ` (+${r.attestations} attestation entr${r.attestations === 1 ? 'y' : 'ies'})` : ''}`,
        );
        const ann = Object.entries(r.annotations);
        this.print(`  annotations: ${ann.length === 0 ? '(none)' : ann.map(([k, v]) => `${k}=${v}`).join(', ')}`);
      }
    }
    for (const p of r.problems) this.print(`  ✗ ${p.message}`);
  }

  async execute(): Promise<number> {
    const out = await verifyTag(
      this.context.docker,
      this.ref,
      { platforms: this.platforms, annotations: this.annotations, fix: this.fix, ...(this.digest !== undefined ? { digest: this.digest } : {}) },
      this.registryOptions(),
    );
    const final = out.after ?? out.report;
    const fixNeededButImpossible = this.fix && !out.report.ok && !out.fix;
    if (this.json) {
      this.printJson({
        ok: final.ok,
        report: out.report,
        ...(out.fix ? { fix: this.outcomeJson(out.fix) } : {}),
        ...(out.after ? { after: out.after } : {}),
      });
    } else {
      this.printReport(out.report, '');
      if (out.fix) {
        this.print(out.fix.written ? `fixed: ${out.fix.plan.changes.join('; ')}` : `--dry-run: would fix by running:`);
        if (!out.fix.written) this.printOutcome(out.fix);
      }
      if (out.after) this.printReport(out.after, 'after the fix: ');
      if (fixNeededButImpossible)
        this.say('--fix cannot repair this: re-pointing the tag to --digest would not change what is wrong (use docker ocifix annotate for annotations).');
    }
    if (this.dryRun && out.fix && !out.fix.written) return out.report.ok ? 0 : 1;
    return final.ok ? 0 : 1;
  }
}
