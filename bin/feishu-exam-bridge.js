#!/usr/bin/env node
/* global require, process, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS bin shim: require is the point */
'use strict';

/**
 * `feishu-exam-bridge`, the ops CLI (src/cli/index.ts). An installed package (no src/ in it) runs the built
 * dist/cli/index.js with production dependencies only. A development checkout (src/ present, tsx installed) runs the
 * TypeScript source, so that a dist/ left by an earlier `npm run build` never runs stale code; a checkout without tsx
 * falls back to dist/. The module never runs itself when required from here (it only does so as the main module):
 * this shim calls `main()` and exits with its code once the output has flushed.
 */
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');

function tsxHook() {
  try {
    return require.resolve('tsx/cjs', { paths: [ROOT] });
  } catch {
    return undefined;
  }
}

function loadCli() {
  const source = join(ROOT, 'src', 'cli', 'index.ts');
  const built = join(ROOT, 'dist', 'cli', 'index.js');
  const hook = existsSync(source) ? tsxHook() : undefined;
  if (hook) {
    require(hook);
    return require(source);
  }
  if (existsSync(built)) return require(built);
  process.stderr.write(
    'feishu-exam-bridge: dist/ is missing: run `npm run build` (or install tsx to run the sources).\n',
  );
  process.exit(1);
}

const cli = loadCli();
cli.main().then(cli.exitAfterFlush, (err) => {
  process.stderr.write(`feishu-exam-bridge: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
