import { Command } from 'clipanion';
import type { OcifixContext } from './context.js';

/** Shared behaviour: stdout carries data, stderr carries diagnostics. */
export abstract class BaseCommand extends Command<OcifixContext> {
  /** Write a diagnostic line to stderr. */
  protected say(line: string): void {
    this.context.stderr.write(`${line}\n`);
  }

  /** Write data to stdout. */
  protected print(text: string): void {
    this.context.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  protected printJson(value: unknown): void {
    this.context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }
}
