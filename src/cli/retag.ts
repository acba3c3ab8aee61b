import { Command, Option } from 'clipanion';
import { repointTag } from '../registry/execute.js';
import { RegistryCommand } from './registry-base.js';

export class RetagCommand extends RegistryCommand {
  static override paths = [['retag']];
  static override usage = Command.Usage({
    description: "Point tags at exactly an existing index (byte-identical copy, same digest)",
    details: `
      Every TARGET ends up on SOURCE's digest: the index is copied as it is (no new index, no
      annotation lost), with \`docker buildx imagetools create\`. SOURCE is a tag or \`@sha256:\`
      reference; targets may be in other repositories (children are copied by digest).

      A SOURCE that is a single platform manifest is refused (the targets would lose every other
      platform) unless \`--allow-manifest\`, which copies it as it is.

      Each TARGET is compare-and-swap: if it moves between planning and writing, nothing is written.
    `,
    examples: [
      ['Promote a release candidate', '$0 retag registry.example.com/app:1.2-rc1 registry.example.com/app:1.2 registry.example.com/app:latest'],
      ['From a digest', '$0 retag registry.example.com/app@sha256:0123… registry.example.com/app:stable'],
      ['Show the plan only', '$0 retag registry.example.com/app:1.2 registry.example.com/app:latest --dry-run'],
    ],
  });

  allowManifest = Option.Boolean('--allow-manifest', false, { description: 'Allow a single-platform manifest as SOURCE (copied as it is)' });
  source = Option.String({ name: 'SOURCE' });
  targets = Option.Rest({ required: 1, name: 'TARGET' });

  async execute(): Promise<number> {
    const outcome = await repointTag(this.context.docker, this.source, this.targets, { ...this.registryOptions(), allowManifest: this.allowManifest });
    this.printOutcome(outcome);
    return 0;
  }
}
