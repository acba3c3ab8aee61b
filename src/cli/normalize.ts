/**
 * `docker ocifix normalize`: make an OCI image layout (directory or tar) readable by crane and
 * skopeo — duplicates merged, comma-joined ref names split, oci-layout written — atomically.
 * The work is done by `normalizeLayout` (src/layout/normalize.ts), the text by `formatReport`
 * (src/layout/report.ts).
 */
import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { normalizeLayout, type NormalizeOptions } from '../layout/normalize.js';
import { formatReport } from '../layout/report.js';
import { MODES } from '../oci/normalize-planner.js';
import { MutatingCommand } from './mutating-base.js';

export class NormalizeCommand extends MutatingCommand {
  static override paths = [['normalize']];
  static override usage = Command.Usage({
    description: 'Make an OCI image layout (directory or tar) readable by crane and skopeo, atomically',
    details: `
      Fixes what \`docker buildx build --output type=oci\` leaves for multi-tag builds: buildx >= 0.20
      writes one index.json entry per tag (crane and skopeo refuse "more than one image"), buildx <= 0.19
      wrote one entry with a comma-joined, invalid \`org.opencontainers.image.ref.name\` and, for
      directories, no \`oci-layout\` file.

      Entries for the same content (mediaType + digest + size) become one (\`--mode single\`, the default:
      crane and skopeo read it without a reference) or one spec-correct entry per tag (\`--mode per-tag\`:
      ref.name = tag, io.containerd.image.name = full name, so \`skopeo ... oci:DIR:TAG\` finds every tag).
      The kept ref.name is \`--ref\` (a tag like \`2\`, or a full name like \`a:2\`), else the first entry's.
      Blobs are never changed, so pushing the result gives the digest buildx built.

      The layout is changed in place unless \`-o\` names a new path (directory -> directory, tar -> tar).
      Writes are atomic (temporary file, fsync, rename). Different images in one layout are refused
      (exit 1) unless \`--ref\` chooses one. Bad input exits 2 and changes nothing.

      Exit status: 0 done (or already normal), 1 \`--check\` found changes to make / different images
      refused, 2 bad layout, 125 bad options.
    `,
    examples: [
      ['Normalize a layout directory in place', '$0 normalize ./out'],
      ['Normalize an OCI tar into a new file', '$0 normalize out.tar -o fixed.tar'],
      ['One entry per tag, for skopeo oci:out:TAG', '$0 normalize --mode per-tag ./out'],
      ['Keep the entry named by a given tag', '$0 normalize --ref 2 ./out'],
      ['Fail (exit 1) in CI when a layout is not normal', '$0 normalize --check ./out'],
      ['Show the plan as JSON without writing', '$0 normalize --dry-run --json out.tar'],
      ['Also hash every blob', '$0 normalize --verify-blobs ./out'],
    ],
  });

  output = Option.String('-o,--output', { description: 'Write the result to PATH instead of changing the layout in place' });
  ref = Option.String('--ref', { description: 'Tag or full image name to keep (and to choose between different images)' });
  mode = Option.String('--mode', 'single', {
    description: 'single: one entry (default); per-tag: one entry per tag',
    validator: t.isEnum(MODES),
  });
  check = Option.Boolean('--check', false, { description: 'Exit 0 if already normal, 1 if normalizing would change something; write nothing' });
  verifyBlobs = Option.Boolean('--verify-blobs', false, { description: 'Hash every referenced blob and compare with its digest' });
  layout = Option.String({ name: 'LAYOUT' });

  async execute(): Promise<number> {
    const options: NormalizeOptions = {
      mode: this.mode,
      check: this.check,
      dryRun: this.dryRun,
      verifyBlobs: this.verifyBlobs,
      cwd: this.context.cwd,
    };
    if (this.output !== undefined) options.output = this.output;
    if (this.ref !== undefined) options.ref = this.ref;
    const report = await normalizeLayout(this.layout, options);
    for (const w of report.warnings) this.say(`warning: ${w}`);
    if (this.json) this.printJson(report);
    else this.context.stdout.write(formatReport(report));
    return this.check && report.changed ? 1 : 0;
  }
}
