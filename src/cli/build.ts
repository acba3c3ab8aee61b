import { Command, Option } from 'clipanion';
import { runBuild } from '../build/run.js';
import { BaseCommand } from './base.js';

export class BuildCommand extends BaseCommand {
  // buildx's own alias for build is `b`
  static override paths = [['build'], ['b']];
  static override usage = Command.Usage({
    description: 'Run docker buildx build with the multi-platform pitfalls fixed and every change explained',
    details: `
      Takes exactly the flags of \`docker buildx build\` and runs it, after rewriting what would not do what was meant. Each fix prints at most one \`ocifix:\` line on stderr (a post-build fix only after a successful build); buildx's own output, progress display and exit code are untouched. A build that meets no pitfall runs buildx with the same argv and nothing else (no probe, no extra process).

      The fixes:

      - Index annotations on a single-manifest export: \`--build-arg BUILDKIT_MULTI_PLATFORM=1\` is added (or see --ocifix-index-annotations). Where no index can be stored (the docker driver or --load on the classic image store, docker tarballs) they are dropped with a notice, or the build is refused.
      - Multi-node builder + index annotations + push: buildx < 0.16 loses them in the merge, so they are added after the push; on every version they are read back.
      - \`--output type=oci\` with several tags: the layout is normalized to one index.json entry (the first tag, or --ocifix-keep-tag). Multi-node builders cannot write oci/tar: refused before running.
      - \`--load\` of several platforms without the containerd image store: see --ocifix-load.
      - \`--push\`: every tag is checked against the pushed digest and re-pointed when it is not on it (a temporary --metadata-file is added when none is given; yours is still written).
      - buildx < 0.16 and \`--annotation index,manifest:k=v\`: one flag per type.
      - A failed oci/docker/tar export that leaves an empty destination which did not exist before is removed.

      ocifix's own options. Their names cannot clash with buildx flags; each has an environment twin, and the command line wins:

      - \`--ocifix-explain[=text|json]\` (OCIFIX_EXPLAIN): print the plan (argv, changes, steps, probes) and build nothing; only the read-only probes the plan needs are run.
      - \`--ocifix-quiet\` (OCIFIX_QUIET=1): hide the ocifix: notice lines.
      - \`--ocifix-index-annotations=force-index|manifest-only|fail\` (OCIFIX_INDEX_ANNOTATIONS): what to do with index annotations on a single-manifest export; default force-index.
      - \`--ocifix-load=native|split|cacheonly|error\` (OCIFIX_LOAD): --load of several platforms without the containerd image store. native (default): a cache-only build of every platform, then the daemon's own platform is loaded; split: each platform loaded as NAME:TAG-os-arch; cacheonly: nothing loaded; error: refuse.
      - \`--ocifix-keep-tag=TAG\` (OCIFIX_KEEP_TAG): the tag (or full name) a normalized OCI layout keeps.

      Facts are probed only when a fix depends on them, each at most once: \`docker buildx version\`, \`docker buildx inspect\` (honours --builder and BUILDX_BUILDER) and \`docker info\`. The flags of buildx itself follow below.
    `,
    examples: [
      ['Build and push, tags checked afterwards', '$0 build --platform linux/amd64,linux/arm64 -t registry.example.com/app:1.2 --push .'],
      ['Single-platform OCI layout with an index annotation', "$0 build --annotation 'index:org.opencontainers.image.title=app' -o type=oci,dest=app.tar ."],
      ['Load the native platform of a multi-platform build', '$0 build --platform linux/amd64,linux/arm64 --load -t app:dev .'],
      ['Load every platform under its own tag', '$0 build --platform linux/amd64,linux/arm64 --load --ocifix-load=split -t app:dev .'],
      ['Show what would run, as JSON', '$0 build --ocifix-explain=json --push -t registry.example.com/app:1.2 .'],
    ],
  });

  args = Option.Proxy();

  async execute(): Promise<number> {
    const command = this.path[this.path.length - 1] === 'b' ? 'b' : 'build';
    const result = await runBuild(this.context, this.args, command);
    if (result !== 'help') return result;
    this.context.stdout.write(this.cli.usage(BuildCommand, { detailed: true }));
    this.context.stdout.write('\nbuildx build flags:\n');
    return (await this.context.docker.buildx(['build', '--help'], { stdio: 'inherit' })).exitCode;
  }
}
