import { Command, Option } from 'clipanion';
import { VERSION } from '../metadata.js';
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
    const info = { name: 'docker-ocifix', version: VERSION, node: process.version, platform: `${process.platform}/${process.arch}` };
    if (this.json) this.printJson(info);
    else this.print(`docker-ocifix v${info.version} (node ${info.node}, ${info.platform})`);
    return 0;
  }
}
