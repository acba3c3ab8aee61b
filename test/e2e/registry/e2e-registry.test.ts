// The premise of the `e2e-secure` project: its registry files really run against the stack's TLS +
// htpasswd registry (and those of `e2e` against the plain one), so a lost OCIFIX_E2E_REGISTRY
// cannot turn the second run into a silent repeat of the first.
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { e2eRegistry, listTags, requireStack, SECURE_E2E, secureRegistry, stack, uniqueRepo } from '../helpers/stack.js';

beforeAll(async () => {
  await requireStack();
});

it('the registry files use the registry their vitest project names', async ({ task }) => {
  const secure = task.file.projectName === 'e2e-secure';
  expect(SECURE_E2E).toBe(secure);
  expect(e2eRegistry()).toBe(secure ? secureRegistry().addr : stack().registry);
  expect(await listTags(uniqueRepo('premise'))).toEqual([]);
  if (!secure) return;
  // without the login the registry refuses: it is the htpasswd one, and the helpers above logged in
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(`https://${secureRegistry().addr}/v2/`, { ca: readFileSync(secureRegistry().ca) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  expect(status).toBe(401);
});
