import { Option } from 'clipanion';
import { BaseCommand } from './base.js';

/** Commands that write somewhere (a layout, a registry) share --dry-run and --json. */
export abstract class MutatingCommand extends BaseCommand {
  dryRun = Option.Boolean('--dry-run', false, { description: 'Print what would be done; change nothing' });
  json = Option.Boolean('--json', false, { description: 'Machine-readable report on stdout' });
}
