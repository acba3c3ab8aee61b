import { Command, Option } from 'clipanion';
import { annotateIndex } from '../registry/execute.js';
import { RegistryCommand } from './registry-base.js';

export class AnnotateCommand extends RegistryCommand {
  static override paths = [['annotate']];
  static override usage = Command.Usage({
    description: 'Add, change or remove annotations on an index in a registry without losing the existing ones',
    details: `
      Reads the index REF points at, keeps every annotation it already has (index and entry
      descriptors) and every child manifest, applies the change and writes it back with
      \`docker buildx imagetools create\`, then reads it back to check.

      \`--annotation\` takes \`index:KEY=VALUE\` (the index) or
      \`manifest-descriptor[os/arch]:KEY=VALUE\` (an entry's descriptor). The type is required, as \`docker buildx imagetools create\` requires it.
      \`--remove\` takes the same scope and a KEY.

      Refused: a tag on a single image manifest (imagetools would wrap it into a new index), and an
      index whose children all use Docker media types (imagetools would silently drop the annotations).

      The write is compare-and-swap: if REF (or a -t tag) moves between planning and writing,
      nothing is written. When REF names no digest (and no descriptor annotation is removed), imagetools reads the tag itself at the start of its
      write, so a move after that re-read shows in the read-back (exit 1, "our annotations went onto
      that writer's manifests"). What that cannot cover: the distribution API has no conditional write,
      so a write by someone else inside imagetools' own run (between its read and its PUT, about 20 ms
      on a local registry) is overwritten; a write after ours is caught by the read-back (exit 1). Each imagetools call ends after
      OCIFIX_REGISTRY_TIMEOUT seconds (default 60); reads are retried (3 attempts) on resets, timeouts
      and 429/5xx, writes never. \`--dry-run\` prints the exact imagetools commands and the resulting index.
      Registry access, credentials and builder configuration are buildx's (\`--builder\`, \`BUILDX_BUILDER\`).
    `,
    examples: [
      ['Add an index annotation', '$0 annotate registry.example.com/app:1.2 --annotation index:org.opencontainers.image.source=https://github.com/o/app'],
      ['Annotate one platform entry', "$0 annotate registry.example.com/app:1.2 --annotation 'manifest-descriptor[linux/arm64]:com.example.tuned=yes'"],
      [
        'Remove an annotation and also tag the result',
        '$0 annotate registry.example.com/app:1.2 --remove index:org.example.old -t registry.example.com/app:latest',
      ],
      ['Show the plan only', '$0 annotate registry.example.com/app:1.2 --annotation index:k=v --dry-run'],
    ],
  });

  ref = Option.String({ name: 'REF' });
  annotations = Option.Array('--annotation', [], { description: 'Annotation to set: index:KEY=VALUE or manifest-descriptor[os/arch]:KEY=VALUE (repeatable)' });
  remove = Option.Array('--remove', [], { description: 'Annotation to remove: index:KEY or manifest-descriptor[os/arch]:KEY (repeatable)' });
  tags = Option.Array('-t,--tag', [], { description: 'Also point this tag at the annotated index (repeatable)' });

  async execute(): Promise<number> {
    const outcome = await annotateIndex(this.context.docker, this.ref, { set: this.annotations, remove: this.remove, tags: this.tags }, this.registryOptions());
    this.printOutcome(outcome);
    return 0;
  }
}
