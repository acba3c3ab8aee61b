import { Option } from 'clipanion';
import { shellQuote } from '../buildflags/args.js';
import type { RegistryOptions, WriteOutcome } from '../registry/execute.js';
import { MutatingCommand } from './mutating-base.js';

/** Shared by annotate / retag / verify: `--builder`, options for the registry operations, plan output. */
export abstract class RegistryCommand extends MutatingCommand {
  builder = Option.String('--builder', {
    description: 'Builder whose registry configuration imagetools uses (default: $BUILDX_BUILDER, then the current builder)',
  });

  protected registryOptions(): RegistryOptions {
    return {
      ...(this.builder ? { builder: this.builder } : {}),
      env: this.context.env,
      dryRun: this.dryRun,
      log: (line) => {
        if (this.context.globals.debug) this.say(line);
      },
    };
  }

  /** The plan/outcome as a JSON-able object (for --json). */
  protected outcomeJson(o: WriteOutcome): Record<string, unknown> {
    let index: unknown;
    try {
      index = JSON.parse(o.plan.result.bytes);
    } catch {
      index = undefined;
    }
    return {
      action: o.plan.action,
      dryRun: this.dryRun,
      written: o.written,
      source: o.plan.source,
      result: { digest: o.plan.result.digest, mediaType: o.plan.result.mediaType, size: o.plan.result.size, manifest: index },
      steps: o.plan.steps.map((s, i) => ({
        purpose: s.purpose,
        command: o.commands[i],
        tags: s.tags,
        digest: s.digest,
      })),
      compareAndSwap: o.plan.cas,
      changes: o.plan.changes,
      unchanged: o.plan.unchanged,
    };
  }

  /** Human output: changes on stderr; with --dry-run the commands and the resulting manifest on stdout. */
  protected printOutcome(o: WriteOutcome): void {
    if (this.json) {
      this.printJson(this.outcomeJson(o));
      return;
    }
    for (const c of o.plan.changes) this.say(`  ${c}`);
    if (this.dryRun) {
      if (o.commands.length === 0) this.print('# nothing to write');
      for (const [i, cmd] of o.commands.entries()) {
        this.print(`# ${o.plan.steps[i]!.purpose}`);
        this.print(shellQuote(cmd));
      }
      if (o.plan.cas.length > 0)
        this.print(`# each tag must still be where it was when planned: ${o.plan.cas.map((c) => `${c.ref}=${c.digest ?? '(absent)'}`).join(' ')}`);
      this.print(`# resulting ${o.plan.result.mediaType} ${o.plan.result.digest} (${o.plan.result.size} bytes):`);
      this.print(o.plan.result.bytes);
      return;
    }
    if (!o.written) this.say('nothing to write: every tag is already as requested');
    for (const s of o.plan.steps) for (const t of s.tags) this.print(`${t}@${s.digest}`);
    for (const u of o.plan.unchanged) this.print(`${u}@${o.plan.result.digest}`);
  }
}
