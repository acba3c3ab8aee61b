import { Command, Option } from 'clipanion';
import { repointTag } from '../registry/execute.js';
import { RegistryCommand } from './registry-base.js';

export class RetagCommand extends RegistryCommand {
  static override paths = [['retag']];
  static override usage = Command.Usage({
    description: 'Point tags at exactly an existing index (byte-identical copy, same digest)',
    details: `
      Every TARGET ends up on SOURCE's digest: the index is copied as it is (no new index, no
      annotation lost), with \`docker buildx imagetools create\`. SOURCE is a tag or \`@sha256:\`
      reference; targets may be in other repositories (children are copied by digest).

      A SOURCE that is a single platform manifest is refused (the targets would lose every other
      platform) unless \`--allow-manifest\`, which copies it as it is.

      Each TARGET is compare-and-swap: if it moves between planning and writing, nothing is written.
      What that cannot cover: the distribution API has no conditional write, so a write by someone else in the moment between that re-read and ours (one buildx start) is overwritten; a write after ours is caught by the read-back (exit 1). Each imagetools call ends after OCIFIX_REGISTRY_TIMEOUT seconds
      (default 60); reads are retried (3 attempts) on resets, timeouts and 429/5xx, writes never.
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
