/**
 * `npm run chaos [-- --quick] [-- --exams N] [-- --accounts N] [-- --seed S]`: a vendor's worst day, on this machine. Real worker and
 * ingest processes, the Temporal dev server with a persistent database, the Feishu sandbox and the event pusher:
 * exams pushed as events (each delivered 1–5 times, some at once) and arranged through the API, while workers are
 * SIGKILLed and restarted, the Temporal server is stopped and restarted once, and Feishu answers 1002001/5xx 30 % of
 * the time, with bursts of 429, dropped connections, answers slower than the client timeout, and some exams closed
 * (1002851). Each exam also gets 1–3 results (scripts/support/chaos-results.ts), some before its arrangement, some
 * while the previous one is in flight, under the same faults. Then it checks that nothing was lost or doubled and that
 * Feishu's last applied update_result of each exam is the newest result reported. A handful of accounts
 * (scripts/support/chaos-papers.ts), bound by the account event or by their first paper PUT, get 2–4 full paper lists
 * each, some while the previous is in flight: Feishu's final list of each must be the newest the ingest accepted.
 * It prints a table, writes bench/results/chaos.json, and exits non-zero on any violation.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { EcoExamResult } from '../src/common/types';
import { productDataConverter } from '../src/codec';
import { generateKeyEntry } from '../src/codec/encryption-codec';
import { FeishuSandbox } from '../sandbox/feishu-sandbox';
import { pushExamCreated } from '../sandbox/event-pusher';
import { adminRoutes } from '../sandbox/admin';
import { SEARCH_ATTRIBUTES_FOR_CLI } from '../src/common/search-attributes';
import { ecoExamWorkflowId, type ExamStatus } from '../src/common/constants';
import { findFreePort, startDevServer, type DevServer } from './dev-server';
import { ROOT, type RunningEntry } from './support/child-process';
import { resolveTemporalCli } from './temporal-cli';
import { ResultLedger, planResults, resultBody, type ResultPlan } from './support/chaos-results';
import { PaperLedger, planAccounts, readFinalLists } from './support/chaos-papers';
import { reportTable } from './support/report-table';
import { startIngestEntry, startWorkerEntry } from './support/product-entries';

interface Options {
  quick: boolean;
  exams: number;
  accounts: number;
  seed: number;
}

function parseArgs(argv: string[]): Options {
  const value = (name: string) => {
    const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return undefined;
    return argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  };
  const quick = argv.includes('--quick');
  return {
    quick,
    exams: Number(value('--exams') ?? (quick ? 50 : 300)),
    accounts: Number(value('--accounts') ?? (quick ? 5 : 15)),
    seed: Number(value('--seed') ?? Date.now() % 1_000_000),
  };
}

/** A small seeded generator (mulberry32), so a run can be repeated with --seed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) => process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface ExamPlan {
  examId: string;
  deliveries: number;
  concurrent: number;
  closed: boolean;
  results: ResultPlan;
}

interface Delivery {
  examId: string;
  at: number;
  status: number;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  const random = seeded(options.seed);
  log(`${options.exams} exams, ${options.accounts} accounts, seed ${options.seed}${options.quick ? ' (quick)' : ''}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'feb-chaos-'));
  const cliPath = await resolveTemporalCli({ log });
  const port = await findFreePort();
  const startServer = () =>
    startDevServer({
      cliPath,
      port,
      headless: true,
      dbFilename: join(dataDir, 'temporal.db'),
      searchAttributes: SEARCH_ATTRIBUTES_FOR_CLI,
      logFile: join(dataDir, 'temporal.log'),
    });
  let server: DevServer | undefined = await startServer();
  const address = server.address;
  const secrets = {
    payloadKeys: generateKeyEntry('chaos'),
    encryptKey: randomBytes(16).toString('hex'),
    verificationToken: randomBytes(16).toString('hex'),
    examSystemToken: randomBytes(24).toString('hex'),
  };

  // Feishu: the quota as documented, and a bad day (login_info, update_result and eco_exam_papers alike).
  const ledger = new ResultLedger();
  const paperLedger = new PaperLedger();
  const sandbox = await FeishuSandbox.start({
    apps: [{ appId: 'cli_chaos', appSecret: 'chaos-secret', type: 'custom' }],
    extraRoutes: adminRoutes(() => sandbox), // the admin read of Feishu's paper lists
    log: (line) => {
      ledger.onSandboxLine(line);
      paperLedger.onSandboxLine(line);
    },
  });
  sandbox.setRandomFaults(
    [
      { probability: 0.2, fault: { kind: 'error', httpStatus: 500, code: 1002001 } },
      { probability: 0.1, fault: { kind: 'plain_text', httpStatus: 502, text: '<html>502 Bad Gateway</html>' } },
      { probability: 0.03, fault: { kind: 'drop' } },
      { probability: 0.03, fault: { kind: 'hang', ms: 4_000 } }, // slower than the workers' 2 s timeout
    ],
    random,
  );
  const plans: ExamPlan[] = Array.from({ length: options.exams }, (_, i) => {
    const examId = `7${String(options.seed).padStart(6, '0')}${String(i).padStart(6, '0')}`;
    return {
      examId,
      deliveries: 1 + Math.floor(random() * 5),
      concurrent: 1 + Math.floor(random() * 3),
      closed: random() < 0.06,
      results: planResults(examId, random),
    };
  });
  for (const plan of plans.filter((p) => p.closed)) sandbox.setExamState(plan.examId, 'closed');
  // Accounts, spread over the exams' traffic (accounts' ids are Feishu's: digits, like exam ids).
  const accounts = planAccounts(
    `6${String(options.seed).padStart(6, '0')}`,
    options.accounts,
    random,
    options.quick ? 20_000 : 60_000,
  );

  const ingestPort = await findFreePort();
  const common = {
    TEMPORAL_ADDRESS: address,
    PAYLOAD_ENCRYPTION_KEYS: secrets.payloadKeys,
    LOG_LEVEL: 'INFO', // the start-up lines are what startEntry waits for; little output is kept
  };
  const workerEnv = {
    ...common,
    FEISHU_BASE_URL: sandbox.url,
    FEISHU_APP_ID: 'cli_chaos',
    FEISHU_APP_SECRET: 'chaos-secret',
    FEISHU_REQUEST_TIMEOUT_MS: '2000',
    WORKER_SHUTDOWN_GRACE: '2s',
    // Exams end within the run: a short window for newer results after the last accepted one. The settle re-send
    // after an unknown outcome keeps its built-in delay (2 minutes): the tail of the run.
    RESULT_UPDATE_WINDOW: options.quick ? '10s' : '20s',
  };
  const startWorker = (n: number) => startWorkerEntry(`worker-${n}`, workerEnv);
  const workers: RunningEntry[] = [await startWorker(1), await startWorker(2)];
  const { entry: ingest, url: ingestUrl } = await startIngestEntry(common, secrets, ingestPort);
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, dataConverter: productDataConverter(secrets.payloadKeys) });
  log(`stack up: Temporal ${address}, ingest ${ingestUrl}, sandbox ${sandbox.url}, 2 workers`);

  const queue = [...plans];
  const stats = {
    kills: 0,
    restarts: 0,
    rateLimitBursts: 0,
    temporalDown: [] as Array<[number, number]>,
    arrangeRetries: 0,
  };
  const deliveries: Delivery[] = [];
  let running = true;

  // Chaos monkeys, each a bounded loop that ends with the run.
  const killer = (async () => {
    while (running) {
      await sleep(4_000 + random() * 8_000);
      if (!running) break;
      const index = Math.floor(random() * workers.length);
      const victim = workers[index]!;
      victim.process.kill('SIGKILL');
      await victim.exited;
      stats.kills += 1;
      await sleep(500 + random() * 2_000);
      workers[index] = await startWorker(index + 1);
      stats.restarts += 1;
    }
  })();
  const bursts = (async () => {
    while (running) {
      await sleep(8_000 + random() * 8_000);
      if (!running) break;
      sandbox.rateLimitFor(1_000 + random() * 2_000); // a 429 episode of 1–3 s, with the reset counting down
      stats.rateLimitBursts += 1;
    }
  })();
  const temporalRestart = (async () => {
    // In the thick of it: once about a third of the exams are under way.
    while (queue.length > plans.length * 0.65) await sleep(200);
    const down = Date.now();
    log('stopping the Temporal server');
    await server?.stop();
    server = undefined;
    await sleep(3_000);
    server = await startServer();
    stats.temporalDown.push([down, Date.now()]);
    log('Temporal server is back');
  })();

  // The traffic: Feishu's events (redelivered like Feishu does while they fail) and the exam system's arrangements.
  const pushUntilAccepted = async (plan: ExamPlan) => {
    for (let attempt = 0; attempt < 60; attempt++) {
      try {
        const result = await pushExamCreated({
          webhookUrl: `${ingestUrl}/webhook/feishu`,
          verificationToken: secrets.verificationToken,
          encryptKey: secrets.encryptKey,
          examId: plan.examId,
          eventId: `ev-${plan.examId}`,
          deliveries: attempt === 0 ? plan.deliveries : 1,
          concurrent: plan.concurrent,
        });
        for (const d of result.deliveries) deliveries.push({ examId: plan.examId, at: Date.now(), status: d.status });
        if (result.deliveries.some((d) => d.status === 200)) return;
      } catch {
        deliveries.push({ examId: plan.examId, at: Date.now(), status: 0 });
      }
      await sleep(1_000);
    }
    throw new Error(`exam ${plan.examId}: the event was never accepted`);
  };
  const arrange = async (plan: ExamPlan) => {
    for (let attempt = 0; attempt < 120; attempt++) {
      try {
        const res = await fetch(`${ingestUrl}/exams/${plan.examId}/arrangement`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secrets.examSystemToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            result: 0,
            exam_login_info: { exam_url: `https://exam.example/t/${plan.examId}`, username: 'c', password: 'p' },
          }),
        });
        await res.text();
        if (res.status === 202) return;
        if (res.status === 409) return; // already ended (a retried request whose first try got through)
      } catch {
        // the ingest is restarting or Temporal is away: retry as a real exam system would
      }
      stats.arrangeRetries += 1;
      await sleep(1_000);
    }
    throw new Error(`exam ${plan.examId}: the arrangement was never accepted`);
  };
  const pace = options.quick ? 1_500 : 600; // spread the exams over the chaos
  // The exam system's results, through the ingest like its arrangements.
  const target = { ingestUrl, token: secrets.examSystemToken, isRunning: () => running };
  const resultSends: Array<Promise<void>> = [];
  // The exam system's paper lists, through the ingest, alongside the exams.
  const events = {
    webhookUrl: `${ingestUrl}/webhook/feishu`,
    verificationToken: secrets.verificationToken,
    encryptKey: secrets.encryptKey,
  };
  const paperSends = Promise.all(accounts.map((plan) => paperLedger.run(target, events, plan)));
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let plan = queue.shift(); plan; plan = queue.shift()) {
        await pushUntilAccepted(plan);
        // Some results come before the arrangement: the workflow holds them until login info is accepted.
        if (plan.results.early) await ledger.report(target, plan.examId, resultBody(plan.examId, 0));
        await sleep(200 + random() * 800);
        await arrange(plan);
        resultSends.push(ledger.sendRest(target, plan.results, plan.results.early ? 1 : 0));
        await sleep(pace);
      }
    }),
  );
  log('every exam pushed and arranged; waiting for the results to be reported');
  await Promise.all(resultSends);
  await paperSends;
  log('every result and paper list reported; waiting for the exams to finish');
  await temporalRestart;

  // Wait for every exam's workflow to end — the result phase included — (bounded).
  const finals = new Map<string, ExamStatus>();
  const deadline = Date.now() + (options.quick ? 5 : 12) * 60_000;
  while (finals.size < plans.length && Date.now() < deadline) {
    for (const plan of plans) {
      if (finals.has(plan.examId)) continue;
      try {
        const handle = client.workflow.getHandle(ecoExamWorkflowId(plan.examId));
        const { status } = await handle.describe();
        if (status.name === 'COMPLETED') finals.set(plan.examId, ((await handle.result()) as EcoExamResult).status);
      } catch {
        // not reachable right now
      }
    }
    if (finals.size < plans.length) await sleep(2_000);
  }
  // Accounts never end: wait (bounded) until their lists settle at Feishu.
  await paperLedger.settle(sandbox, accounts, 3 * 60_000);
  running = false;
  sandbox.clearFaults();
  await Promise.all([killer, bursts]);

  // --- checks
  const violations: string[] = [];
  let duplicates = 0;
  let runsTotal = 0;
  for (const plan of plans) {
    // A result phase may continue as new (same workflow id): those runs are one exam's.
    const runs = (
      await client.workflow.count(
        `WorkflowId = "${ecoExamWorkflowId(plan.examId)}" AND ExecutionStatus != "ContinuedAsNew"`,
      )
    ).count;
    runsTotal += runs;
    if (runs !== 1) violations.push(`${plan.examId}: ${runs} workflow runs`);
    const final = finals.get(plan.examId);
    const expected = plan.closed ? 'rejected' : 'submitted';
    if (final !== expected) violations.push(`${plan.examId}: ended ${final ?? 'unfinished'}, expected ${expected}`);
    const accepted = sandbox.acceptedLoginInfo(plan.examId).length;
    const refused = sandbox.loginInfoRequests(plan.examId).filter((r) => r.response.code === 1002851).length;
    if (final === 'submitted' && accepted === 0)
      violations.push(`${plan.examId}: submitted but Feishu never accepted it`);
    if (final === 'rejected' && (accepted > 0 || refused === 0)) {
      violations.push(`${plan.examId}: rejected but Feishu's log says accepted ${accepted}, refused ${refused}`);
    }
    if (accepted > 1) duplicates += accepted - 1;
  }
  const results = ledger.check(
    sandbox,
    plans.map((p) => p.results),
    new Set(plans.filter((p) => p.closed).map((p) => p.examId)),
  );
  violations.push(...results.violations);
  const papers = paperLedger.check(sandbox.requests, await readFinalLists(sandbox.url, accounts), accounts);
  violations.push(...papers.violations);
  const down = stats.temporalDown.map(([from, to]) => [from - 1_000, to + 5_000] as const);
  const while5xxUp = deliveries.filter(
    (d) => d.status >= 500 && !down.some(([from, to]) => d.at >= from && d.at <= to),
  );
  const back = stats.temporalDown[0]?.[1];
  for (const d of while5xxUp) {
    const since = back === undefined ? '' : ` (${((d.at - back) / 1000).toFixed(1)} s after Temporal came back)`;
    violations.push(`${d.examId}: the ingest answered ${d.status} while Temporal was up${since}`);
  }

  await connection.close();
  for (const worker of workers) await worker.stop('SIGTERM', 5_000);
  await ingest.stop('SIGTERM', 5_000);
  await server?.stop();
  await sandbox.close();
  rmSync(dataDir, { recursive: true, force: true });

  const requests = sandbox.loginInfoRequests();
  const rows: Array<[string, string]> = [
    ['exams (closed on Feishu’s side)', `${plans.length} (${plans.filter((p) => p.closed).length})`],
    ['event deliveries (non-200)', `${deliveries.length} (${deliveries.filter((d) => d.status !== 200).length})`],
    ['workflow runs (expected one per exam)', String(runsTotal)],
    [
      'submitted / rejected / other',
      `${[...finals.values()].filter((s) => s === 'submitted').length} / ${[...finals.values()].filter((s) => s === 'rejected').length} / ${plans.length - [...finals.values()].filter((s) => s === 'submitted' || s === 'rejected').length}`,
    ],
    [
      'login_info requests (faulted)',
      `${requests.length} (${requests.filter((r) => r.response.fault !== undefined || r.response.status === 429).length})`,
    ],
    ['duplicate accepted login_info', String(duplicates)],
    ...results.rows,
    ...papers.rows,
    ['workers SIGKILLed / restarted', `${stats.kills} / ${stats.restarts}`],
    ['Temporal server restarts', String(stats.temporalDown.length)],
    ['429 bursts injected', String(stats.rateLimitBursts)],
    ['arrangement retries (ingest 5xx or down)', String(stats.arrangeRetries)],
    ['5xx from the ingest while Temporal was up', String(while5xxUp.length)],
    ['violations', String(violations.length)],
  ];
  process.stdout.write(
    `\nchaos run — ${new Date().toISOString()} — seed ${options.seed}${options.quick ? ' — quick' : ''}\n\n` +
      `${reportTable('check', rows)}\n`,
  );
  for (const v of violations.slice(0, 50)) process.stdout.write(`VIOLATION ${v}\n`);
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench', 'results', 'chaos.json'),
    `${JSON.stringify({ date: new Date().toISOString(), ...options, rows: Object.fromEntries(rows), violations }, null, 2)}\n`,
  );
  return violations.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
