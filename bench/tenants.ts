/**
 * Bench section "tenants" (issue 14): one STORE app (FEISHU_APP_TYPE=store) serving 5 tenants, 5 × 1 000 arranged
 * exams (quick: 5 × 300) waiting at once, drained by 2 worker processes — the real worker entry (src/worker.ts, as
 * `npm run worker` runs it) with its production defaults: at start each sets the per-tenant (fairness-key) rate
 * FEISHU_CALLS_PER_SECOND on the login-info queue, which the Temporal server enforces for both processes together
 * (docs/performance.md#quota-design). Feishu is the sandbox, which enforces 50/s and 1000/min per API × app ×
 * tenant. Measured from its request log, per tenant: rate, 429s, the most calls in any 1 s and 60 s.
 *
 * 1. The app_ticket is kept where the product keeps it (TemporalAppTickets: the ingest saves each ticket Feishu
 *    pushes; the workers' token provider reads it), and the sandbox accepts it; a resend request is answered the
 *    way Feishu does, by the ticket arriving again.
 * 2. Each exam is started with its tenant_key (startExam) and its arrangement signalled before any worker runs: the
 *    whole backlog is there at once, the tenants' exams interleaved.
 * 3. Two worker processes start; the section waits until every exam's login info is accepted, then stops them.
 *
 * No official-SDK baseline here: the drain section shows what a plain SDK loop does against one tenant's quota
 * (most calls refused); a loop per tenant would only repeat that five times.
 */
import { readFile } from 'node:fs/promises';
import { startExam } from '../src/client';
import { TemporalAppTickets } from '../src/client/app-tickets';
import { ecoExamWorkflowId, FEISHU_QUOTA_PER_MINUTE, FEISHU_QUOTA_PER_SECOND } from '../src/common/constants';
import { loadWorkerConfig } from '../src/config';
import { examArranged } from '../src/workflows/definitions';
import { FeishuSandbox } from '../sandbox/feishu-sandbox';
import type { RunningEntry } from '../scripts/support/child-process';
import { startWorkerEntry } from '../scripts/support/product-entries';
import { acceptedPerMinute, callFigures, perSecond } from './calls';
import { connectClient, examId, inBatches, round, sleep, uniqueId, type BenchContext, type BenchRow } from './context';

const TENANTS = 5;
const EXAMS_PER_TENANT = 1000;
const QUICK_EXAMS_PER_TENANT = 300;
const WORKERS = 2;
/** The targets: each tenant at ≥ 960/min (its quota is 1000/min), all five together ≥ 4 800/min. */
export const TENANT_TARGET_PER_MIN = 960;
const AGGREGATE_TARGET_PER_MIN = TENANTS * TENANT_TARGET_PER_MIN;
const APP_SECRET = 'bench-store-secret';
const PROGRESS_LOG_MS = 15_000;

export interface TenantFigures {
  tenantKey: string;
  exams: number;
  accepted: number;
  throttled: number;
  ratePerMin: number;
  max1s: number;
  max60s: number;
  seconds: number;
  /** login_info calls per second since the first call of any tenant (for the plot; not in the JSON). */
  perSecond: number[];
}

export interface TenantsResult {
  tenants: number;
  examsPerTenant: number;
  exams: number;
  workers: number;
  /** FEISHU_CALLS_PER_SECOND of the workers: the per-tenant rate they set on the login-info queue. */
  callsPerSecond: number;
  /** All tenants' accepted calls per minute, from the first accepted call to the last. */
  aggregatePerMin: number;
  slowestPerMin: number;
  /** 429 answers, all tenants. */
  throttled: number;
  /** The most calls of one tenant in any 1 s / 60 s. */
  max1s: number;
  max60s: number;
  /** Exams whose login info was accepted (once or more) / accepted more than once. */
  accepted: number;
  duplicates: number;
  /** From the first accepted call to the last. */
  seconds: number;
  /** Starting and arranging the backlog (before any worker ran). */
  backlogSeconds: number;
  /** CPU seconds spent during the drain (from the workers' start to the last accepted call), per process. */
  cpuSeconds: { workers: number[]; bench: number; temporal?: number; overSeconds: number };
  perTenant: TenantFigures[];
}

const loginBody = (id: string) => ({
  exam_login_info: { exam_url: `https://exam.example/t/${id}`, username: `u-${id}`, password: `p-${id}` },
});

/** `count` distinct exam ids. */
function examIds(count: number): string[] {
  const ids = new Set<string>();
  while (ids.size < count) ids.add(examId());
  return [...ids];
}

/** utime + stime of a process, in seconds (Linux /proc; clock ticks of 1/100 s). */
async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) — utime and stime are the 14th and 15th fields.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function cpuSnapshot(workers: RunningEntry[], serverPid: number | undefined) {
  const usage = process.cpuUsage();
  return {
    workers: await Promise.all(workers.map((w) => cpuSecondsOf(w.pid))),
    bench: (usage.user + usage.system) / 1e6,
    temporal: serverPid === undefined ? undefined : await cpuSecondsOf(serverPid).catch(() => undefined),
  };
}

export async function runTenantsBench(ctx: BenchContext): Promise<TenantsResult> {
  const perTenant = ctx.quick ? QUICK_EXAMS_PER_TENANT : EXAMS_PER_TENANT;
  const tenantKeys = Array.from({ length: TENANTS }, (_, i) => `tenant-bench-${i + 1}`);
  const exams = TENANTS * perTenant;
  const ids = examIds(exams);
  // Interleaved: exam i belongs to tenant i mod TENANTS, so no tenant's backlog is queued ahead of another's.
  const tenantOf = (index: number) => tenantKeys[index % TENANTS]!;
  const appId = uniqueId('cli_bench_store');
  const sandbox = await FeishuSandbox.start({ apps: [{ appId, appSecret: APP_SECRET, type: 'store' }] });
  const { client, close } = await connectClient(ctx);
  const taskQueue = uniqueId('tenants');
  const workers: RunningEntry[] = [];
  try {
    // The ticket Feishu pushes (hourly, and on a resend request), kept where the ingest keeps it.
    const tickets = new TemporalAppTickets(client, taskQueue);
    const ticket = uniqueId('ticket');
    sandbox.provideAppTicket(appId, ticket);
    await tickets.save(appId, ticket);
    sandbox.onAppTicketResend = (app) => {
      tickets
        .save(app, ticket)
        .catch((err: unknown) => ctx.log(`tenants: could not save the resent ticket: ${String(err)}`));
    };

    ctx.log(`tenants: starting and arranging ${TENANTS} × ${perTenant} exams (no worker yet: a backlog)…`);
    const backlogStarted = Date.now();
    await inBatches(
      ids.map((id, i) => ({ id, tenantKey: tenantOf(i) })),
      50,
      async ({ id, tenantKey }) => {
        await startExam(client, { examId: id, tenantKey }, { taskQueue });
        // The signal, not the arrangeExam update: an update needs a live worker, and the backlog has none yet.
        await client.workflow.getHandle(ecoExamWorkflowId(id)).signal(examArranged, loginBody(id));
      },
    );
    const backlogSeconds = round((Date.now() - backlogStarted) / 1000, 1);
    ctx.log(`tenants: backlog ready in ${backlogSeconds} s; starting ${WORKERS} worker processes`);

    const env = {
      TEMPORAL_ADDRESS: ctx.address,
      TEMPORAL_NAMESPACE: ctx.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      PAYLOAD_ENCRYPTION_KEYS: ctx.payloadKeys,
      FEISHU_BASE_URL: sandbox.url,
      FEISHU_APP_ID: appId,
      FEISHU_APP_SECRET: APP_SECRET,
      FEISHU_APP_TYPE: 'store',
      // Login info only: the exams end at `submitted`, without a result phase.
      RESULT_TIMEOUT: '0',
      WORKER_SHUTDOWN_GRACE: '5s',
      LOG_LEVEL: 'INFO',
    };
    const { FEISHU_CALLS_PER_SECOND: callsPerSecond } = loadWorkerConfig(env);
    const startedWorkers = await Promise.allSettled(
      Array.from({ length: WORKERS }, (_, i) => startWorkerEntry(`tenants worker ${i + 1}`, env)),
    );
    for (const started of startedWorkers) if (started.status === 'fulfilled') workers.push(started.value);
    const failed = startedWorkers.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const cpuBefore = await cpuSnapshot(workers, ctx.serverPid);
    const cpuFrom = Date.now();

    const deadline = Date.now() + (perTenant / 10) * 1000 + 180_000;
    let loggedAt = Date.now();
    for (;;) {
      const done = new Set(sandbox.acceptedLoginInfo().map((r) => r.examId)).size;
      if (done >= exams || Date.now() > deadline) break;
      for (const worker of workers) {
        if (worker.process.exitCode !== null) throw new Error(`${worker.name} exited:\n${worker.output()}`);
      }
      if (Date.now() - loggedAt >= PROGRESS_LOG_MS) {
        loggedAt = Date.now();
        ctx.log(`tenants: ${done}/${exams} accepted`);
      }
      await sleep(500);
    }
    const cpuAfter = await cpuSnapshot(workers, ctx.serverPid);
    const cpuSecondsOver = round((Date.now() - cpuFrom) / 1000, 1);
    const result = measure(sandbox, tenantKeys, perTenant, callsPerSecond, backlogSeconds);
    result.cpuSeconds = {
      workers: cpuAfter.workers.map((after, i) => round(after - cpuBefore.workers[i]!, 1)),
      bench: round(cpuAfter.bench - cpuBefore.bench, 1),
      overSeconds: cpuSecondsOver,
      ...(cpuAfter.temporal !== undefined &&
        cpuBefore.temporal !== undefined && { temporal: round(cpuAfter.temporal - cpuBefore.temporal, 1) }),
    };
    ctx.log(
      `tenants: ${result.accepted}/${exams} accepted (${result.duplicates} twice) at ${result.aggregatePerMin}/min ` +
        `together, slowest ${result.slowestPerMin}/min, ${result.throttled} throttled, per tenant ≤ ${result.max1s} ` +
        `in 1 s and ≤ ${result.max60s} in 60 s; CPU s during the drain: workers ${result.cpuSeconds.workers.join(' + ')}, ` +
        `bench ${result.cpuSeconds.bench}, Temporal ${result.cpuSeconds.temporal ?? '?'} over ${result.cpuSeconds.overSeconds} s`,
    );
    for (const t of result.perTenant) ctx.log(`tenants: ${t.tenantKey} calls per second ${t.perSecond.join(' ')}`);
    return result;
  } finally {
    await Promise.all(workers.map((w) => w.stop('SIGTERM', 20_000)));
    await close();
    await sandbox.close();
  }
}

/** The figures of the drain from the sandbox's request log. */
function measure(
  sandbox: FeishuSandbox,
  tenantKeys: string[],
  perTenant: number,
  callsPerSecond: number,
  backlogSeconds: number,
): TenantsResult {
  const requests = sandbox.loginInfoRequests();
  const origin = Math.min(...requests.map((r) => r.at));
  const perTenantFigures = tenantKeys.map((tenantKey): TenantFigures => {
    const own = requests.filter((r) => r.tenantKey === tenantKey);
    const figures = callFigures(own);
    return {
      tenantKey,
      exams: perTenant,
      accepted: figures.accepted,
      throttled: figures.throttled,
      ratePerMin: figures.ratePerMin,
      max1s: figures.max1s,
      max60s: figures.max60s,
      seconds: figures.seconds,
      perSecond: perSecond(own, origin),
    };
  });
  const accepted = sandbox.acceptedLoginInfo();
  const aggregate = acceptedPerMinute(accepted.map((r) => r.at));
  const distinct = new Set(accepted.map((r) => r.examId)).size;
  return {
    tenants: tenantKeys.length,
    examsPerTenant: perTenant,
    exams: tenantKeys.length * perTenant,
    workers: WORKERS,
    callsPerSecond,
    aggregatePerMin: aggregate.perMin,
    slowestPerMin: Math.min(...perTenantFigures.map((t) => t.ratePerMin)),
    throttled: requests.filter((r) => r.response.status === 429).length,
    max1s: Math.max(...perTenantFigures.map((t) => t.max1s)),
    max60s: Math.max(...perTenantFigures.map((t) => t.max60s)),
    accepted: distinct,
    duplicates: accepted.length - distinct,
    seconds: round(aggregate.seconds, 1),
    backlogSeconds,
    cpuSeconds: { workers: [], bench: 0, overSeconds: 0 },
    perTenant: perTenantFigures,
  };
}

/** The section's rows of the printed table (bench/run.ts), each figure beside the target. */
export function tenantsRows(r: TenantsResult): BenchRow[] {
  const slowest = r.perTenant.find((t) => t.ratePerMin === r.slowestPerMin)?.tenantKey ?? '—';
  return [
    {
      figure: `tenants ${r.tenants} × ${r.examsPerTenant} exams, ${r.workers} workers: rate, all tenants`,
      measured: `${r.aggregatePerMin}/min`,
      target: `≥ ${AGGREGATE_TARGET_PER_MIN}/min`,
      met: r.aggregatePerMin >= AGGREGATE_TARGET_PER_MIN,
    },
    {
      figure: "tenants: slowest tenant's rate",
      measured: `${r.slowestPerMin}/min (${slowest})`,
      target: `≥ ${TENANT_TARGET_PER_MIN}/min`,
      met: r.slowestPerMin >= TENANT_TARGET_PER_MIN,
    },
    { figure: 'tenants: throttled (429)', measured: String(r.throttled), target: '0', met: r.throttled === 0 },
    {
      figure: 'tenants: max calls of a tenant in any 1 s',
      measured: String(r.max1s),
      target: `≤ ${FEISHU_QUOTA_PER_SECOND}`,
      met: r.max1s <= FEISHU_QUOTA_PER_SECOND,
    },
    {
      figure: 'tenants: max calls of a tenant in any 60 s',
      measured: String(r.max60s),
      target: `≤ ${FEISHU_QUOTA_PER_MINUTE}`,
      met: r.max60s <= FEISHU_QUOTA_PER_MINUTE,
    },
    {
      figure: 'tenants: accepted exactly once / time',
      measured: `${r.accepted} (${r.duplicates} twice) in ${r.seconds} s`,
      target: `${r.exams}, 0 twice`,
      met: r.accepted === r.exams && r.duplicates === 0,
    },
    {
      figure: 'tenants: rate of each tenant',
      measured: r.perTenant.map((t) => t.ratePerMin).join(' / ') + ' /min',
      target: '—',
    },
  ];
}

/** The section's figures in bench/results/latest.json (`tenants.*`): all but the per-second series. */
export function tenantsJson(r: TenantsResult) {
  return {
    ...r,
    perTenant: r.perTenant.map(({ perSecond: _series, ...figures }) => figures),
  };
}
