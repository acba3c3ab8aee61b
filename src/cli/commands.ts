/** Every ocifix command class, registered with clipanion in this order. One class per file. */
import { VersionCommand } from './version.js';
import { AnnotateCommand } from './annotate.js';
import { RetagCommand } from './retag.js';
import { VerifyCommand } from './verify.js';
import { NormalizeCommand } from './normalize.js';
import { BuildCommand } from './build.js';

export const COMMANDS = [VersionCommand, BuildCommand, NormalizeCommand, AnnotateCommand, RetagCommand, VerifyCommand];
