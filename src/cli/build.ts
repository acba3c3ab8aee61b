import { Command, Option } from 'clipanion';
import { fixHelp } from '../build/fixes/table.js';
import { runBuild } from '../build/run.js';
import { BaseCommand } from './base.js';

export class BuildCommand extends BaseCommand {
  // buildx's own alias for build is `b`
  static override paths = [['build'], ['b']];
  static override usage = Command.Usage({
    description: 'Run docker buildx build with the multi-platform pitfalls fixed and every change explained',
    details: `
      Takes exactly the flags of \`docker buildx build\` and runs it, after rewriting what would not do what was meant. Each fix prints at most one \`ocifix:\` line on stderr (a post-build fix only after a successful build); buildx's own output, progress display and exit code are untouched. A build that meets no pitfall runs buildx with the same argv and nothing else (no probe, no extra process).

      The fixes (each one is a module of src/build/fixes/, named by its id):

${fixHelp()
  .split('\n')
  .map((l) => (l ? `      ${l}` : l))
  .join('\n')}

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
