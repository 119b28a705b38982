#!/usr/bin/env node
/* global require, process, __dirname */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS bin shim: require is the point */
'use strict';

/**
 * `feishu-exam-bridge`, the ops CLI (src/cli/index.ts). A built package runs dist/cli/index.js; a development
 * checkout without a build runs the TypeScript source through tsx. The module never runs itself when required from
 * here (it only does so as the main module): this shim calls `main()` and exits with its code once the output has
 * flushed.
 */
const { existsSync } = require('node:fs');
const { join } = require('node:path');

function loadCli() {
  const built = join(__dirname, '..', 'dist', 'cli', 'index.js');
  if (existsSync(built)) return require(built);
  try {
    require('tsx/cjs');
  } catch {
    process.stderr.write('feishu-exam-bridge: dist/ is missing and tsx is not installed: run `npm run build`.\n');
    process.exit(1);
  }
  return require(join(__dirname, '..', 'src', 'cli', 'index.ts'));
}

const cli = loadCli();
cli.main().then(cli.exitAfterFlush, (err) => {
  process.stderr.write(`feishu-exam-bridge: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
