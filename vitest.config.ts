import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
const define = { __OCIFIX_VERSION__: JSON.stringify(pkg.version) };

// Five projects (and one opt-in):
//  unit        pure domain modules and in-process commands (no processes, no network)
//  integration the BUILT binary driven through the real docker CLI (make binary first)
//  binaries    the per-platform binaries in dist/ checked structurally (make binaries-ci / make release)
//  e2e         the real stack from scripts/test-env (registry, buildkitd x2, buildx, dockerd, skopeo, crane)
//  e2e-secure  the registry e2e files again, against the stack's TLS + htpasswd registry
//  matrix      only with OCIFIX_MATRIX=1 (`make test-matrix`): pitfall × buildx version on `up --matrix`
export default defineConfig({
  define,
  test: {
    // clipanion's ESM build imports a directory (./platform), which Node's ESM loader refuses:
    // let vite transform it instead of externalizing it.
    server: { deps: { inline: ['clipanion'] } },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      // `make test-matrix` only (OCIFIX_MATRIX=1): every buildx version of `scripts/test-env up --matrix`
      ...(process.env.OCIFIX_MATRIX === '1'
        ? [
            {
              extends: true as const,
              test: {
                name: 'matrix',
                include: ['test/matrix/**/*.test.ts'],
                testTimeout: 300_000,
                hookTimeout: 300_000,
                fileParallelism: false,
                sequence: { concurrent: false },
              },
            },
          ]
        : []),
      {
        extends: true,
        test: { name: 'binaries', include: ['test/binaries/**/*.test.ts'], testTimeout: 120_000, fileParallelism: false },
      },
      // the registry e2e files once more against the stack's TLS + htpasswd registry (faults: through a TLS fault proxy)
      {
        extends: true,
        test: {
          name: 'e2e-secure',
          include: ['test/e2e/registry/{annotate,retag,verify,fast-path,faults,e2e-registry}.test.ts'],
          env: { OCIFIX_E2E_REGISTRY: 'secure' },
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          sequence: { concurrent: false },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          sequence: { concurrent: false },
        },
      },
    ],
  },
});
