/**
 * `npm run bench [-- --quick] [-- --only drain,mixed,latency,ack,memory]`: every figure of the performance issue against a
 * real Temporal dev server and the Feishu sandbox. Prints one table (each figure beside its target), writes
 * bench/results/latest.json and the plots docs/bench-drain.svg and docs/bench-latency.svg.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { SQLITE_WAL, startDevServer } from '../scripts/dev-server';
import { resolveTemporalCli } from '../scripts/temporal-cli';
import { FEISHU_QUOTA_PER_MINUTE, FEISHU_QUOTA_PER_SECOND } from '../src/common/constants';
import { SEARCH_ATTRIBUTES_FOR_CLI } from '../src/common/search-attributes';
import { ackJson, ackRows, runAckBench, type AckResult } from './ack';
import { newPayloadKeys, type BenchContext } from './context';
import { runDrainBench, type DrainResult } from './drain';
import { runLatencyBench, type LatencyResult } from './latency';
import { memoryRows, runMemoryBench, type MemoryResult } from './memory';
import { runMixedBench, type MixedResult } from './mixed';
import { ackChart, drainChart, latencyChart } from './plot';

const ROOT = join(__dirname, '..');
const SECTIONS = ['drain', 'mixed', 'latency', 'ack', 'memory'] as const;
type Section = (typeof SECTIONS)[number];

function parseArgs(argv: string[]): { quick: boolean; only: Set<Section> } {
  const quick = argv.includes('--quick');
  const onlyArg = argv.find((a) => a.startsWith('--only'));
  const onlyValue = onlyArg?.includes('=')
    ? onlyArg.split('=')[1]
    : onlyArg
      ? argv[argv.indexOf(onlyArg) + 1]
      : undefined;
  const only = new Set<Section>(
    onlyValue
      ? onlyValue.split(',').filter((s): s is Section => (SECTIONS as readonly string[]).includes(s))
      : SECTIONS,
  );
  return { quick, only };
}

interface Row {
  figure: string;
  measured: string;
  target: string;
  met?: boolean;
}

function table(rows: Row[]): string {
  const cols = [
    ['figure', ...rows.map((r) => r.figure)],
    ['measured', ...rows.map((r) => r.measured)],
    ['target', ...rows.map((r) => r.target)],
    ['', ...rows.map((r) => (r.met === undefined ? '' : r.met ? 'met' : 'MISSED'))],
  ];
  const widths = cols.map((c) => Math.max(...c.map((v) => v.length)));
  const line = (i: number) => `| ${cols.map((c, j) => (c[i] ?? '').padEnd(widths[j]!)).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(0), sep, ...rows.map((_, i) => line(i + 1))].join('\n');
}

function mixedRows(mixed: MixedResult): Row[] {
  return [
    {
      figure: `mixed ${mixed.exams} exams: login_info rate`,
      measured: `${mixed.loginInfoPerMin}/min`,
      target: '≥ 980/min',
      met: mixed.loginInfoPerMin >= 980,
    },
    {
      figure: 'mixed: update_result rate (same time)',
      measured: `${mixed.updateResultPerMin}/min`,
      target: '≥ 980/min',
      met: mixed.updateResultPerMin >= 980,
    },
    {
      figure: 'mixed: throttled (429)',
      measured: String(mixed.throttled),
      target: '0',
      met: mixed.throttled === 0,
    },
    {
      figure: 'mixed: max calls in any 1 s (login / result)',
      measured: `${mixed.max1sLoginInfo} / ${mixed.max1sUpdateResult}`,
      target: `≤ ${FEISHU_QUOTA_PER_SECOND} each`,
      met: mixed.max1sLoginInfo <= FEISHU_QUOTA_PER_SECOND && mixed.max1sUpdateResult <= FEISHU_QUOTA_PER_SECOND,
    },
    {
      figure: 'mixed: accepted (login / result), both drains at once',
      measured: `${mixed.loginInfoAccepted} / ${mixed.updateResultAccepted} in ${mixed.seconds} s (${mixed.overlapSeconds} s overlap)`,
      target: `${mixed.exams} / ${mixed.exams}`,
      met: mixed.loginInfoAccepted === mixed.exams && mixed.updateResultAccepted === mixed.exams,
    },
    {
      figure: 'history of a 10-update exam',
      measured: `${mixed.tenUpdates.events} events, ${mixed.tenUpdates.bytes} bytes`,
      target: '—',
    },
  ];
}

function rowsFor(
  drain?: DrainResult,
  latency?: LatencyResult,
  ack?: AckResult,
  memory?: MemoryResult,
  mixed?: MixedResult,
): Row[] {
  const rows: Row[] = [];
  if (drain) {
    rows.push(
      {
        figure: `drain ${drain.exams} exams: rate`,
        measured: `${drain.ratePerMin}/min`,
        target: '≥ 980/min',
        met: drain.ratePerMin >= 980,
      },
      { figure: 'drain: throttled (429)', measured: String(drain.throttled), target: '0', met: drain.throttled === 0 },
      {
        figure: 'drain: max calls in any 1 s',
        measured: String(drain.max1s),
        target: `≤ ${FEISHU_QUOTA_PER_SECOND}`,
        met: drain.max1s <= FEISHU_QUOTA_PER_SECOND,
      },
      {
        figure: 'drain: max calls in any 60 s',
        measured: String(drain.max60s),
        target: `≤ ${FEISHU_QUOTA_PER_MINUTE}`,
        met: drain.max60s <= FEISHU_QUOTA_PER_MINUTE,
      },
      {
        figure: 'drain: accepted / time',
        measured: `${drain.accepted} in ${drain.seconds} s`,
        target: `${drain.exams}`,
        met: drain.accepted === drain.exams,
      },
      {
        figure: `baseline (SDK loop ×${drain.baseline.concurrency}): rate`,
        measured: `${drain.baseline.ratePerMin}/min`,
        target: '—',
      },
      { figure: 'baseline: throttled (429)', measured: String(drain.baseline.throttled), target: '—' },
      { figure: 'baseline: max calls in any 1 s', measured: String(drain.baseline.max1s), target: '—' },
    );
  }
  if (mixed) rows.push(...mixedRows(mixed));
  if (latency) {
    rows.push(
      { figure: `signal → login_info p50 (${latency.samples} exams)`, measured: `${latency.p50Ms} ms`, target: '—' },
      { figure: 'signal → login_info p95', measured: `${latency.p95Ms} ms`, target: '—' },
      {
        figure: 'signal → login_info p99',
        measured: `${latency.p99Ms} ms`,
        target: '≤ 150 ms',
        met: latency.p99Ms <= 150,
      },
      {
        figure: 'history events per happy-path exam',
        measured: String(latency.historyEvents),
        target: '≤ 20',
        met: latency.historyEvents <= 20,
      },
    );
  }
  if (ack) rows.push(...ackRows(ack));
  if (memory) rows.push(...memoryRows(memory));
  return rows;
}

async function main(): Promise<void> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const started = Date.now();
  const cliPath = await resolveTemporalCli({ log });
  // A database file in WAL mode, synchronous=NORMAL: durable across a crash of the server process, as fast as the
  // in-memory store, where SQLite's default journal cannot start 200 workflows/s (docs/performance.md#webhook-ack).
  const dataDir = mkdtempSync(join(tmpdir(), 'feb-bench-'));
  const server = await startDevServer({
    cliPath,
    headless: true,
    searchAttributes: SEARCH_ATTRIBUTES_FOR_CLI,
    dbFilename: join(dataDir, 'temporal.db'),
    sqlitePragmas: [...SQLITE_WAL],
    log,
  });
  const ctx: BenchContext = {
    address: server.address,
    namespace: server.namespace,
    cliPath,
    payloadKeys: newPayloadKeys(),
    quick,
    log,
  };
  let drain: DrainResult | undefined;
  let latency: LatencyResult | undefined;
  let ack: AckResult | undefined;
  let memory: MemoryResult | undefined;
  let mixed: MixedResult | undefined;
  try {
    if (only.has('latency')) latency = await runLatencyBench(ctx);
    if (only.has('drain')) drain = await runDrainBench(ctx);
    if (only.has('mixed')) mixed = await runMixedBench(ctx);
    if (only.has('ack')) ack = await runAckBench(ctx);
    if (only.has('memory')) memory = await runMemoryBench(ctx);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const rows = rowsFor(drain, latency, ack, memory, mixed);
  const date = new Date().toISOString();
  const machine = `${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  process.stdout.write(
    `\nfeishu-exam-bridge benchmarks — ${date} — ${machine}${quick ? ' — QUICK' : ''}\n\n${table(rows)}\n`,
  );

  const json = {
    date,
    machine,
    quick,
    seconds: Math.round((Date.now() - started) / 1000),
    ...(drain && {
      drain: {
        exams: drain.exams,
        ratePerMin: drain.ratePerMin,
        max1s: drain.max1s,
        max60s: drain.max60s,
        throttled: drain.throttled,
        accepted: drain.accepted,
        seconds: drain.seconds,
        callsPerSecond: drain.callsPerSecond,
        baseline: {
          ratePerMin: drain.baseline.ratePerMin,
          throttled: drain.baseline.throttled,
          accepted: drain.baseline.accepted,
          max1s: drain.baseline.max1s,
          max60s: drain.baseline.max60s,
          concurrency: drain.baseline.concurrency,
        },
      },
    }),
    ...(mixed && { mixed }),
    ...(latency && {
      latency: {
        p50Ms: latency.p50Ms,
        p95Ms: latency.p95Ms,
        p99Ms: latency.p99Ms,
        maxMs: latency.maxMs,
        samples: latency.samples,
      },
      history: { events: latency.historyEvents },
    }),
    ...(ack && { ack: ackJson(ack) }),
    ...(memory && { memory }),
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  if (drain) {
    writeFileSync(
      join(ROOT, 'docs', 'bench-drain.svg'),
      drainChart(drain.perSecond, drain.baseline.perSecond, FEISHU_QUOTA_PER_SECOND, FEISHU_QUOTA_PER_MINUTE),
    );
  }
  if (latency)
    writeFileSync(join(ROOT, 'docs', 'bench-latency.svg'), latencyChart(latency.values, latency.p50Ms, latency.p99Ms));
  if (ack) writeFileSync(join(ROOT, 'docs', 'bench-ack.svg'), ackChart(ack));
  process.stdout.write(
    `\nwritten: bench/results/latest.json${drain ? ', docs/bench-drain.svg' : ''}${latency ? ', docs/bench-latency.svg' : ''}${ack ? ', docs/bench-ack.svg' : ''}\n`,
  );
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
