import { Command, Option } from 'clipanion';
import { runBake } from '../bake/run.js';
import { BaseCommand } from './base.js';

export class BakeCommand extends BaseCommand {
  static override paths = [['bake']];
  static override usage = Command.Usage({
    description: 'Run docker buildx bake with the multi-platform pitfalls fixed for every target',
    details: `
      Takes exactly the flags and targets of \`docker buildx bake\`. The definition is resolved the way buildx does it (\`docker buildx bake --print\` with your files, \`--set\`, \`--push\`/\`--load\`, vars and targets; it needs no builder unless the definition is remote), every target goes through the same fixes as \`docker ocifix build\`, and each change prints one \`ocifix: target "NAME": …\` line on stderr.

      The changes are \`--set TARGET.key=value\` overrides appended to your own command, so your files stay authoritative: \`args.K\` per target; \`output\` and \`tags\` as full lists (your own \`--set\` of those keys and \`--push\`/\`--load\` give way to the resolved lists, which already hold them). Annotations and attestations only ever append in bake, so a fix that must drop or split an annotation feeds a rewritten definition with \`--file -\` instead, and explain says so. A multi-platform \`--load\` on the classic image store runs one cache build of everything, then one more bake that loads what \`--ocifix-load\` says. After the bake: normalized OCI layouts, annotations added and read back on multi-node pushes, every pushed tag checked against its target's digest in the metadata file.

      A remote definition (a git or https URL, read through the builder) takes the fixes that are \`--set\` overrides, after the URL; a fix that needs a rewritten definition is not made there (the URL owns the contexts and the git credentials): the bake runs as typed, and a notice says so.

      \`--print\`, \`--list\`, \`--call\`/\`--check\`, \`--help\`, a remote definition with \`-f -\` and a bake that meets no pitfall run unchanged. The ocifix options of \`docker ocifix build --help\` apply to every target.
    `,
    examples: [
      ['Bake the default group', '$0 bake'],
      ['Push two targets, tags checked afterwards', '$0 bake --push app worker'],
      ['Show what would run, per target, as JSON', '$0 bake --ocifix-explain=json --push'],
    ],
  });

  args = Option.Proxy();

  async execute(): Promise<number> {
    const result = await runBake(this.context, this.args);
    if (result !== 'help') return result;
    this.context.stdout.write(this.cli.usage(BakeCommand, { detailed: true }));
    this.context.stdout.write('\nbuildx bake flags:\n');
    return (await this.context.docker.buildx(['bake', '--help'], { stdio: 'inherit' })).exitCode;
  }
}
