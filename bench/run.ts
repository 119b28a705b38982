/**
 * `npm run bench [-- --quick] [-- --only drain,mixed,tenants,latency,ack,memory]`: every figure of the performance
 * issue against a real Temporal dev server and the Feishu sandbox. Prints one table (each figure beside its target),
 * writes bench/results/latest.json and the plots docs/bench-{drain,latency,mixed,tenants}.svg.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { SQLITE_WAL } from '../scripts/dev-server';
import { resolveTemporalCli } from '../scripts/temporal-cli';
import { FEISHU_QUOTA_PER_MINUTE, FEISHU_QUOTA_PER_SECOND } from '../src/common/constants';
import { ackJson, ackRows, runAckBench, type AckResult } from './ack';
import { newPayloadKeys, type BenchContext } from './context';
import { runBenchEntry, startBenchServer } from './entry';
import type { TableRow } from './table-row';
import { runDrainBench, type DrainResult } from './drain';
import { runLatencyBench, type LatencyResult } from './latency';
import { memoryRows, runMemoryBench, type MemoryResult } from './memory';
import { mixedJson, mixedRows, runMixedBench, type MixedResult } from './mixed';
import { ackChart, drainChart, latencyChart, mixedChart, tenantsChart } from './plot';
import { runTenantsBench, tenantsJson, tenantsRows, type TenantsResult } from './tenants';

const ROOT = join(__dirname, '..');
const SECTIONS = ['drain', 'mixed', 'tenants', 'latency', 'ack', 'memory'] as const;
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

type Row = TableRow;

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
        target: '≥ 985/min',
        met: drain.ratePerMin >= 985,
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
  const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
  const started = Date.now();
  const cliPath = await resolveTemporalCli({ log });
  // A database file in WAL mode, synchronous=NORMAL: durable across a crash of the server process, as fast as the
  // in-memory store, where SQLite's default journal cannot start 200 workflows/s (docs/performance.md#webhook-ack).
  const dataDir = mkdtempSync(join(tmpdir(), 'feb-bench-'));
  const server = await startBenchServer(cliPath, log, {
    dbFilename: join(dataDir, 'temporal.db'),
    sqlitePragmas: [...SQLITE_WAL],
  });
  const ctx: BenchContext = {
    address: server.address,
    namespace: server.namespace,
    cliPath,
    serverPid: server.pid,
    payloadKeys: newPayloadKeys(),
    quick,
    log,
  };
  let drain: DrainResult | undefined;
  let latency: LatencyResult | undefined;
  let ack: AckResult | undefined;
  let memory: MemoryResult | undefined;
  let mixed: MixedResult | undefined;
  let tenants: TenantsResult | undefined;
  try {
    if (only.has('latency')) latency = await runLatencyBench(ctx);
    if (only.has('drain')) drain = await runDrainBench(ctx);
    if (only.has('mixed')) mixed = await runMixedBench(ctx);
    if (only.has('tenants')) tenants = await runTenantsBench(ctx);
    if (only.has('ack')) ack = await runAckBench(ctx);
    if (only.has('memory')) memory = await runMemoryBench(ctx);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  const rows = [...rowsFor(drain, latency, ack, memory, mixed), ...(tenants ? tenantsRows(tenants) : [])];
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
    ...(mixed && { mixed: mixedJson(mixed) }),
    ...(tenants && { tenants: tenantsJson(tenants) }),
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
  const quota = [FEISHU_QUOTA_PER_SECOND, FEISHU_QUOTA_PER_MINUTE] as const;
  if (mixed) {
    const { loginInfo, updateResult } = mixed.perSecond;
    writeFileSync(join(ROOT, 'docs', 'bench-mixed.svg'), mixedChart(loginInfo, updateResult, ...quota));
  }
  if (tenants) writeFileSync(join(ROOT, 'docs', 'bench-tenants.svg'), tenantsChart(tenants.perTenant, ...quota));
  if (ack) writeFileSync(join(ROOT, 'docs', 'bench-ack.svg'), ackChart(ack));
  const written = [
    drain && 'docs/bench-drain.svg',
    latency && 'docs/bench-latency.svg',
    mixed && 'docs/bench-mixed.svg',
    tenants && 'docs/bench-tenants.svg',
    ack && 'docs/bench-ack.svg',
  ].filter(Boolean);
  process.stdout.write(`\nwritten: ${['bench/results/latest.json', ...written].join(', ')}\n`);
}

runBenchEntry('bench', main);
