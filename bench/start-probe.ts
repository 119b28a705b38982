/**
 * `npx tsx bench/start-probe.ts [--rate 200] [--seconds 10] [--only memory,file,wal-normal,wal-full]`: how fast the
 * dev server starts workflows under each SQLite storage: the raw `client.workflow.start` loop of the ack section
 * (bench/ack-load.ts), open loop at `rate` for `seconds` after a 2 s warm-up, one fresh dev server per storage.
 * Prints p50 / p99 / max latency and failures per storage (docs/performance.md#webhook-ack).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQLITE_WAL, type DevServerOptions } from '../scripts/dev-server';
import { resolveTemporalCli } from '../scripts/temporal-cli';
import { connectPlainClient, rawStartLoop } from './ack-load';
import { examId, newPayloadKeys, percentile, round } from './context';
import { optionValue, runBenchEntry, startBenchServer } from './entry';

const STORAGES: Record<string, (dir: string) => Pick<DevServerOptions, 'dbFilename' | 'sqlitePragmas'>> = {
  memory: () => ({}),
  file: (dir) => ({ dbFilename: join(dir, 'temporal.db') }),
  'wal-normal': (dir) => ({ dbFilename: join(dir, 'temporal.db'), sqlitePragmas: [...SQLITE_WAL] }),
  'wal-full': (dir) => ({
    dbFilename: join(dir, 'temporal.db'),
    sqlitePragmas: ['journal_mode=WAL', 'synchronous=FULL'],
  }),
};

const arg = (name: string): string | undefined => optionValue(process.argv, name);

async function main(): Promise<void> {
  const rate = Number(arg('rate') ?? 200);
  const seconds = Number(arg('seconds') ?? 10);
  const only = arg('only')?.split(',');
  const log = (line: string) => process.stderr.write(`[start-probe] ${line}\n`);
  const cliPath = await resolveTemporalCli({ log });
  const rows: string[] = [];
  for (const [name, storage] of Object.entries(STORAGES)) {
    if (only && !only.includes(name)) continue;
    const dir = mkdtempSync(join(tmpdir(), 'feb-start-probe-'));
    const server = await startBenchServer(cliPath, log, storage(dir));
    const ctx = { address: server.address, namespace: server.namespace, cliPath, payloadKeys: newPayloadKeys() };
    const { client, close } = await connectPlainClient({ ...ctx, quick: true, log });
    try {
      const ids = (n: number) => Array.from({ length: n }, () => examId());
      await rawStartLoop(client, `probe-${name}`, ids(rate * 2), rate);
      const run = await rawStartLoop(client, `probe-${name}`, ids(rate * seconds), rate);
      const ok = run.latencies.filter((ms) => !Number.isNaN(ms));
      const row = `| ${name} | ${round(percentile(ok, 50), 1)} | ${round(percentile(ok, 99), 1)} | ${round(Math.max(...ok), 1)} | ${run.failed} |`;
      rows.push(row);
      log(row);
    } finally {
      await close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stdout.write(
    `\nraw workflow.start at ${rate}/s for ${seconds} s\n| storage | p50 ms | p99 ms | max ms | failed |\n${rows.join('\n')}\n`,
  );
}

runBenchEntry('start-probe', main);
