import { describe, expect, it } from 'vitest';
import { COMMAND_LOADERS } from '../../../src/cli/commands.js';
import { createCli } from '../../../src/cli/dispatch.js';

describe('every command has --help with examples', () => {
  it.each(COMMAND_LOADERS.map((c) => c.words[0]!))('%s', async (word) => {
    const cli = await createCli(word);
    const [def] = cli.definitions({ colored: false });
    expect(def).toBeDefined();
    const loader = COMMAND_LOADERS.find((c) => c.words.includes(word))!;
    const usage = cli.usage(await loader.load(), { detailed: true });
    expect(usage).toContain(`docker ocifix ${word === '--version' ? 'version' : word}`);
    expect(usage).toContain('Examples');
    expect(usage).not.toContain('#0');
  });

  it('the overview lists every command and the passthrough rule', async () => {
    const { overview } = await import('../../../src/cli/dispatch.js');
    const text = await overview();
    for (const c of COMMAND_LOADERS) expect(text).toContain(`docker ocifix ${c.words[0]}`);
    expect(text).toContain('passed to docker buildx unchanged');
  });
});
