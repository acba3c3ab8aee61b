/** Injected at bundle time by esbuild (scripts/build.mjs) and by vitest.config.ts. */
declare const __OCIFIX_VERSION__: string;
