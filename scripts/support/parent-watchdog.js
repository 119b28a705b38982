#!/usr/bin/env node
/* global require, process, setTimeout */
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS: it runs under bare node, before any tsx */
'use strict';

/**
 * `node parent-watchdog.js <command> [args…]`: runs <command> for a parent that holds an IPC channel to this process,
 * and stops it when that parent goes away — even SIGKILLed, when no exit handler of the parent runs. Node children of
 * the local stack notice their supervisor's death through their own IPC channel (src/entry.ts); a Go program such as
 * the Temporal dev server cannot, so scripts/dev-server.ts starts it through this watchdog.
 *
 * - the command's pid is sent to the parent (`{ pid }`) once it runs;
 * - channel gone → SIGTERM to the command, SIGKILL to the whole process group after the grace time;
 * - SIGTERM/SIGINT to this process (the parent stopping the group) → wait for the command, which got them too;
 * - the command exits → this process exits with its code (128 + signal number after a signal).
 */
const { spawn } = require('node:child_process');
const { constants } = require('node:os');

const GRACE_MS = 10_000;
const [command, ...args] = process.argv.slice(2);
if (!command || typeof process.send !== 'function') {
  process.stderr.write('usage: node parent-watchdog.js <command> [args…], spawned with an IPC channel\n');
  process.exit(2);
}

const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
child.once('error', (err) => {
  process.stderr.write(`parent-watchdog: cannot run ${command}: ${err.message}\n`);
  process.exit(127);
});
child.once('spawn', () => process.send?.({ pid: child.pid }));
child.once('exit', (code, signal) => {
  process.exit(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
});

// The group is signalled as a whole when the parent stops it: the command handles it; this process waits for it.
process.on('SIGTERM', () => undefined);
process.on('SIGINT', () => undefined);

process.once('disconnect', () => {
  child.kill('SIGTERM');
  setTimeout(() => {
    try {
      process.kill(-process.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }, GRACE_MS).unref();
});
