/**
 * `npx tsx bench/memory-profile.ts [--steps 1000,10000] [--only name,name] [--env NAME=VALUE,…]`: where the worker's
 * memory goes (`--env`: one more setting, the built worker with that environment, e.g. MALLOC_ARENA_MAX=2). Its own
 * dev server, then one worker process per setting below (the same measurement as the bench's memory section,
 * bench/memory.ts): RSS idle and with each step's number of exams waiting. Prints one row per setting. The settings
 * are what can move the worker's RSS: how the workflow code is loaded (webpack at start or the pre-built bundle), the
 * sticky cache, and V8's heap limits (process-wide flags: the workflow thread's isolate gets them too).
 */
import { resolveTemporalCli } from '../scripts/temporal-cli';
import { newPayloadKeys, type BenchContext } from './context';
import { optionValue, runBenchEntry, startBenchServer } from './entry';
import { measureMemory, WORKER_NODE_OPTIONS, type MemoryProbe } from './memory';
import { ensureBuiltPackage } from './prebuilt';

const SETTINGS: Record<string, Omit<MemoryProbe, 'steps'>> = {
  'tsx+webpack': { entry: 'tsx' },
  dist: { entry: 'dist' },
  'dist cache=10': { entry: 'dist', env: { WORKER_MAX_CACHED_WORKFLOWS: '10' } },
  'dist cache=500': { entry: 'dist', env: { WORKER_MAX_CACHED_WORKFLOWS: '500' } },
  'dist semi=1': { entry: 'dist', env: { NODE_OPTIONS: '--max-semi-space-size=1' } },
  'dist old=256': { entry: 'dist', env: { NODE_OPTIONS: '--max-old-space-size=256' } },
  'dist old=256 semi=1 (deployment.md)': { entry: 'dist', env: { NODE_OPTIONS: WORKER_NODE_OPTIONS } },
};

const arg = (name: string): string | undefined => optionValue(process.argv, name);

async function main(): Promise<void> {
  const steps = (arg('steps') ?? '1000,10000').split(',').map(Number);
  const only = arg('only')?.split(',');
  const extra = arg('env');
  if (extra) {
    const env = Object.fromEntries(
      extra.split(',').map((pair) => [pair.split('=')[0]!, pair.slice(pair.indexOf('=') + 1)]),
    );
    SETTINGS[`dist ${extra}`] = { entry: 'dist', env };
  }
  const names = Object.keys(SETTINGS).filter((name) => !only || only.includes(name) || name === `dist ${extra}`);
  const log = (line: string) => process.stderr.write(`[memory-profile] ${line}\n`);
  ensureBuiltPackage(log);
  const cliPath = await resolveTemporalCli({ log });
  const server = await startBenchServer(cliPath, log);
  const ctx: BenchContext = {
    address: server.address,
    namespace: server.namespace,
    cliPath,
    payloadKeys: newPayloadKeys(),
    quick: false,
    log,
  };
  const rows: string[] = [];
  try {
    for (const name of names) {
      try {
        const r = await measureMemory(ctx, { ...SETTINGS[name]!, steps });
        rows.push(
          `| ${name} | ${r.idleRssMb} | ${r.rssMb.join(' | ')} | ${(r.rssMb[r.rssMb.length - 1]! - r.rssMb[0]!).toFixed(1)} | ${r.peakRssMb} |`,
        );
      } catch (err) {
        rows.push(`| ${name} | failed: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]} |`);
      }
      process.stdout.write(`${rows[rows.length - 1]}\n`);
    }
  } finally {
    await server.stop();
  }
  process.stdout.write(
    `\n| setting | idle MB | ${steps.map((s) => `${s} waiting MB`).join(' | ')} | growth MB | peak MB |\n${rows.join('\n')}\n`,
  );
}

runBenchEntry('memory-profile', main);
