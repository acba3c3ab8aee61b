/** Every ocifix command class, registered with clipanion in this order. One class per file. */
import { VersionCommand } from './version.js';

export const COMMANDS = [VersionCommand];
