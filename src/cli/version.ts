import { Command, Option } from 'clipanion';
import { versionText } from '../metadata.js';
import { BaseCommand } from './base.js';

export class VersionCommand extends BaseCommand {
  static override paths = [['version'], ['--version']];
  static override usage = Command.Usage({
    description: 'Show the docker-ocifix version',
    examples: [
      ['Print the version', '$0 version'],
      ['As JSON', '$0 version --json'],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'Print as JSON' });

  async execute(): Promise<number> {
    this.context.stdout.write(versionText(this.json));
    return 0;
  }
}
