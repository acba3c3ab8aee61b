/**
 * `docker ocifix doctor`: what this machine's docker, buildx, builder and daemon are, which of the
 * pitfalls apply here, and what ocifix does about each. Facts from src/doctor/gather.ts, judgement
 * from src/doctor/assess.ts. Always exits 0: it reports, it does not check.
 */
import { Command, Option } from 'clipanion';
import { assess, formatReport } from '../doctor/assess.js';
import { gatherFacts } from '../doctor/gather.js';
import { BaseCommand } from './base.js';

export class DoctorCommand extends BaseCommand {
  static override paths = [['doctor']];
  static override usage = Command.Usage({
    description: 'Show which buildx pitfalls apply to this setup and what ocifix does about each',
    details: `
      Reads the docker CLI and buildx versions, the current context and builder (driver, nodes,
      platforms and BuildKit version per node), the daemon's image store, and the alias and hooks
      state of config.json. Prints which pitfalls apply to builds on this machine, what ocifix does
      about each, and warnings for what it cannot fix. Exit status is 0 either way.
    `,
    examples: [
      ['Check this machine', '$0 doctor'],
      ['For scripts', '$0 doctor --json'],
      ['For another builder', 'BUILDX_BUILDER=multi $0 doctor'],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'Print the facts and findings as JSON' });

  async execute(): Promise<number> {
    const report = assess(await gatherFacts(this.context.docker, this.context.env, this.context.globals));
    if (this.json) this.printJson(report);
    else this.context.stdout.write(formatReport(report));
    return 0;
  }
}
