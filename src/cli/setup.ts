/**
 * `docker ocifix setup`: alias `docker build` to ocifix and turn on its CLI hooks by editing the
 * docker CLI's config.json in place, atomically, changing nothing else. The edit is planned by
 * src/dockerconfig/edit.ts (pure) and written by src/dockerconfig/file.ts.
 */
import { Command, Option } from 'clipanion';
import { planSetup } from '../dockerconfig/edit.js';
import { readConfigFile, writeConfigFile } from '../dockerconfig/file.js';
import { OcifixError } from '../errors.js';
import { dockerConfigDir } from '../exec/buildx-lookup.js';
import { BaseCommand } from './base.js';

export class SetupCommand extends BaseCommand {
  static override paths = [['setup']];
  static override usage = Command.Usage({
    description: 'Alias docker build to ocifix and enable its hints, in the docker CLI config',
    details: `
      Edits \`\${DOCKER_CONFIG:-~/.docker}/config.json\` (or the directory given by \`docker --config DIR\`).
      Without options both are turned on; name one to change only that one.

      \`--alias\` sets \`aliases.builder=ocifix\`, so \`docker build\`, \`docker image build\` and
      \`docker builder …\` run \`docker ocifix\` (buildx with the pitfalls fixed). The alias is exclusive:
      when another plugin holds it (\`docker buildx install\` writes \`buildx\`) setup refuses unless
      \`--force\`. \`--no-alias\` removes it when it is ocifix's.

      \`--hooks\` adds \`plugins.ocifix.hooks\` (and \`features.hooks\`): after a \`docker buildx build\` or
      \`docker build\` whose flags meet a known pitfall, the docker CLI (>= 26.1) prints one "What's next"
      hint. \`--no-hooks\` removes ocifix's entry.

      Every other key of the file is kept byte for byte. The file is replaced atomically with the same
      mode and owner; a symlinked config.json stays a symlink. \`--dry-run\` prints the diff and writes
      nothing.
    `,
    examples: [
      ['Alias docker build and enable the hints', '$0 setup'],
      ['Only the alias', '$0 setup --alias'],
      ['Show what would change', '$0 setup --dry-run'],
      ['Take the alias over from docker buildx install', '$0 setup --alias --force'],
      ['Undo both', '$0 setup --no-alias --no-hooks'],
    ],
  });

  alias = Option.Boolean('--alias', { description: 'Set (or with --no-alias remove) aliases.builder=ocifix' });
  hooks = Option.Boolean('--hooks', { description: 'Add (or with --no-hooks remove) the ocifix CLI hooks entry' });
  force = Option.Boolean('--force', false, { description: 'Take the builder alias over from another plugin' });
  dryRun = Option.Boolean('--dry-run', false, { description: 'Print the diff; change nothing' });

  async execute(): Promise<number> {
    const none = this.alias === undefined && this.hooks === undefined;
    const request = { alias: none ? true : this.alias, hooks: none ? true : this.hooks, force: this.force };
    const file = await readConfigFile(dockerConfigDir(this.context.env, this.context.globals.config));
    const plan = planSetup(file.text ?? '', request, file.path);
    if (plan.refusal) throw new OcifixError(plan.refusal, 1);
    const changed = plan.changes.length > 0;
    if (this.dryRun) {
      if (changed) {
        const { createTwoFilesPatch } = await import('diff');
        this.print(createTwoFilesPatch(file.path, file.path, file.text ?? '', plan.text, undefined, undefined, { context: 3 }));
      }
      for (const n of plan.notes) this.say(n);
      this.say(changed ? `dry run: ${file.path} not changed` : `nothing to change in ${file.path}`);
      return 0;
    }
    if (changed) await writeConfigFile(file, plan.text);
    this.print(changed ? `updated ${file.path}${file.real !== file.path ? ` (-> ${file.real})` : ''}:` : `nothing to change in ${file.path}`);
    for (const c of plan.changes) this.print(`  ${c}`);
    for (const n of plan.notes) this.print(`  ${n}`);
    return 0;
  }
}
