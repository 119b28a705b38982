/**
 * `npm run production-check [-- --exams N]`: the product against a production-shaped Temporal — the Temporal server
 * v1.29.1 (not the dev server) persisting to PostgreSQL, with SQL visibility. It provisions everything (the server and
 * temporal-sql-tool built once into the user cache, a throw-away PostgreSQL cluster on a free loopback port, the
 * schemas, a minimal config, the namespace and the product's search attributes), then runs the product's worker and
 * ingest against it with the Feishu sandbox: N exams pushed as Feishu events and arranged through the ingest, the
 * Temporal server restarted (SIGTERM, started again on the same database) in the middle of the traffic. It checks
 * that every exam ended `submitted` with one workflow run, that Feishu accepted its login_info (duplicates are
 * counted: docs/reliability.md), and that visibility finds them by search attribute; then stops everything, prints
 * the timings and exits non-zero on any violation. docs/production-check.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { getExamStatus } from '../src/client';
import { productDataConverter } from '../src/codec';
import { generateKeyEntry } from '../src/codec/encryption-codec';
import { FINAL_EXAM_STATUSES, ecoExamWorkflowId, type ExamStatus } from '../src/common/constants';
import { SEARCH_ATTRIBUTES_FOR_CLI } from '../src/common/search-attributes';
import { FeishuSandbox } from '../sandbox/feishu-sandbox';
import { pushExamCreated } from '../sandbox/event-pusher';
import { findFreePort } from './dev-server';
import type { RunningEntry } from './support/child-process';
import { startPostgres, type Postgres } from './support/postgres';
import { errorText, formatElapsed, runCommand } from './support/provision';
import { Timings, printReport, type FlowResult } from './support/production-report';
import {
  TEMPORAL_SERVER_VERSION,
  provisionTemporalServer,
  setupSchemas,
  startTemporalServer,
  writeServerConfig,
  type TemporalServer,
} from './support/temporal-server';
import { resolveTemporalCli } from './temporal-cli';
import { startIngestEntry, startWorkerEntry } from './support/product-entries';

const NAMESPACE = 'feishu-exams';
const FLOW_TIMEOUT_MS = 5 * 60_000;
const CLI_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string) =>
  process.stderr.write(`[production-check ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

function parseExams(argv: string[]): number {
  const i = argv.findIndex((a) => a === '--exams' || a.startsWith('--exams='));
  if (i < 0) return 20;
  const raw = argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new Error('--exams: expected an integer from 1 to 1000');
  return n;
}

interface Stack {
  postgres?: Postgres;
  server?: TemporalServer;
  workers: RunningEntry[];
  ingest?: RunningEntry;
  sandbox?: FeishuSandbox;
  connection?: Connection;
}

async function main(exams: number): Promise<number> {
  const timings = new Timings();
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'feb-production-'));
  const stack: Stack = { workers: [] };
  // Ctrl-C or a CI timeout: stop everything (bounded) and remove the temp dirs before leaving.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping everything`);
      void stopAll(stack)
        .catch(() => undefined)
        .finally(() => {
          rmSync(workDir, { recursive: true, force: true });
          process.exit(130);
        });
    });
  }
  try {
    // --- provisioning
    const bins = await timings.time('binaries (server, temporal-sql-tool, CLI)', async () => {
      const built = await provisionTemporalServer(log);
      return { ...built, cli: await resolveTemporalCli({ log }) };
    });
    log(`Temporal server v${TEMPORAL_SERVER_VERSION} ${bins.built ? 'built' : 'cached'}`);
    const pg = await timings.time('PostgreSQL: initdb and start', () => startPostgres(log));
    stack.postgres = pg;
    log(`PostgreSQL ${pg.version} on ${pg.host}:${pg.port}`);
    await timings.time('schemas (temporal, temporal_visibility)', () => setupSchemas(bins, pg));
    const config = await writeServerConfig(join(workDir, 'temporal'), pg);
    const serverLog = join(workDir, 'temporal-server.log');
    const startServer = () => startTemporalServer(bins, config, serverLog);
    stack.server = await timings.time('Temporal server start', startServer);
    log(`Temporal server ready at ${config.address} (pid ${stack.server.pid})`);
    await timings.time('namespace and search attributes', () => registerNamespace(bins.cli, config.address));

    // --- the e2e flow
    const result = await timings.time(`flow: ${exams} exams with a server restart`, () =>
      runFlow({ exams, address: config.address, startServer, stack, log }),
    );
    await timings.time('stop everything', () => stopAll(stack));
    printReport(result, timings, bins.built, Date.now() - started);
    return result.violations.length === 0 ? 0 : 1;
  } finally {
    await stopAll(stack);
    rmSync(workDir, { recursive: true, force: true });
  }
}

/** `temporal operator namespace create` and `… search-attribute create`, then waits until both are usable. */
async function registerNamespace(cli: string, address: string): Promise<void> {
  const env = process.env;
  const run = (args: string[]) =>
    runCommand(cli, [...args, '--address', address, '--command-timeout', '10s'], { env, timeoutMs: CLI_TIMEOUT_MS });
  await retry('namespace', () =>
    run(['operator', 'namespace', 'create', '--namespace', NAMESPACE, '--retention', '72h']).catch((err: unknown) => {
      if (!/already/i.test(errorText(err))) throw err; // a retried create whose first try got through
    }),
  );
  const names = Object.keys(SEARCH_ATTRIBUTES_FOR_CLI);
  // One attribute a call: CLI v1.5.1 adds only the first of several `--name`s. The namespace registry refreshes every
  // few seconds: retry until the new namespace is known everywhere.
  for (const name of names) {
    await retry(`search attribute ${name}`, () =>
      run(['operator', 'search-attribute', 'create', '--namespace', NAMESPACE, '--name', name, '--type', 'Keyword']),
    );
  }
  await retry('visibility of the namespace', async () => {
    const listed = await run(['operator', 'search-attribute', 'list', '--namespace', NAMESPACE]);
    const missing = names.filter((name) => !listed.includes(name));
    if (missing.length) throw new Error(`not listed yet: ${missing.join(', ')}`);
    await run(['workflow', 'count', '--namespace', NAMESPACE]);
  });
}

async function retry(what: string, attempt: () => Promise<unknown>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await attempt();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${errorText(err)}`);
      await sleep(1_000);
    }
  }
}

async function runFlow(options: {
  exams: number;
  address: string;
  startServer: () => Promise<TemporalServer>;
  stack: Stack;
  log: (line: string) => void;
}): Promise<FlowResult> {
  const { stack, address } = options;
  const secrets = {
    payloadKeys: generateKeyEntry('production-check'),
    encryptKey: randomBytes(16).toString('hex'),
    verificationToken: randomBytes(16).toString('hex'),
    examSystemToken: randomBytes(24).toString('hex'),
    appSecret: randomBytes(12).toString('hex'),
  };
  const sandbox = await FeishuSandbox.start({
    apps: [{ appId: 'cli_production_check', appSecret: secrets.appSecret, type: 'custom' }],
  });
  stack.sandbox = sandbox;
  const common = {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    PAYLOAD_ENCRYPTION_KEYS: secrets.payloadKeys,
    LOG_LEVEL: 'INFO',
  };
  const startWorker = (n: number) =>
    startWorkerEntry(`worker-${n}`, {
      ...common,
      FEISHU_BASE_URL: sandbox.url,
      FEISHU_APP_ID: 'cli_production_check',
      FEISHU_APP_SECRET: secrets.appSecret,
      WORKER_SHUTDOWN_GRACE: '2s',
    });
  stack.workers.push(await startWorker(1), await startWorker(2));
  const ingestPort = await findFreePort();
  const ingest = await startIngestEntry(common, secrets, ingestPort);
  stack.ingest = ingest.entry;
  const ingestUrl = ingest.url;
  options.log(`stack up: ingest ${ingestUrl}, sandbox ${sandbox.url}, 2 workers, namespace ${NAMESPACE}`);

  const examIds = Array.from(
    { length: options.exams },
    (_, i) => `79${String(Date.now() % 1e8).padStart(8, '0')}${String(i).padStart(4, '0')}`,
  );
  const queue = [...examIds];
  let arrangeRetries = 0;
  let restartMs = 0;

  const restart = (async () => {
    while (queue.length > examIds.length / 2) await sleep(100);
    const down = Date.now();
    options.log('restarting the Temporal server (SIGTERM, then start on the same database)');
    const exit = await stack.server?.stop();
    stack.server = undefined;
    options.log(`Temporal server stopped (${exit ?? 'not running'}); starting it again`);
    stack.server = await options.startServer();
    restartMs = Date.now() - down;
    options.log(`Temporal server back after ${formatElapsed(restartMs)} (pid ${stack.server.pid})`);
  })();

  const push = async (examId: string) => {
    for (let attempt = 0; attempt < 120; attempt++) {
      try {
        const result = await pushExamCreated({
          webhookUrl: `${ingestUrl}/webhook/feishu`,
          verificationToken: secrets.verificationToken,
          encryptKey: secrets.encryptKey,
          examId,
          eventId: `ev-${examId}`,
          deliveries: 1,
          concurrent: 1,
        });
        if (result.deliveries.some((d) => d.status === 200)) return;
      } catch {
        // the ingest could not reach Temporal: Feishu redelivers
      }
      await sleep(1_000);
    }
    throw new Error(`exam ${examId}: the event was never accepted`);
  };
  const arrange = async (examId: string) => {
    for (let attempt = 0; attempt < 120; attempt++) {
      try {
        const res = await fetch(`${ingestUrl}/exams/${examId}/arrangement`, {
          method: 'POST',
          headers: { authorization: `Bearer ${secrets.examSystemToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            result: 0,
            exam_login_info: { exam_url: `https://exam.example/t/${examId}`, username: 'c', password: 'p' },
          }),
        });
        await res.text();
        if (res.status === 202 || res.status === 409) return; // 409: a retried request whose first try got through
      } catch {
        // the exam system retries
      }
      arrangeRetries += 1;
      await sleep(1_000);
    }
    throw new Error(`exam ${examId}: the arrangement was never accepted`);
  };
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let examId = queue.shift(); examId; examId = queue.shift()) {
        await push(examId);
        await arrange(examId);
        await sleep(300);
      }
    }),
  );
  await restart;
  options.log('every exam pushed and arranged; waiting for them to finish');

  const connection = await Connection.connect({ address });
  stack.connection = connection;
  const client = new Client({
    connection,
    namespace: NAMESPACE,
    dataConverter: productDataConverter(secrets.payloadKeys),
  });
  const finals = new Map<string, ExamStatus>();
  const deadline = Date.now() + FLOW_TIMEOUT_MS;
  while (finals.size < examIds.length && Date.now() < deadline) {
    for (const examId of examIds) {
      if (finals.has(examId)) continue;
      try {
        const status = await getExamStatus(client, examId);
        if ((FINAL_EXAM_STATUSES as readonly string[]).includes(status.status)) finals.set(examId, status.status);
      } catch {
        // not reachable right now
      }
    }
    if (finals.size < examIds.length) await sleep(1_000);
  }

  const violations: string[] = [];
  let runs = 0;
  let accepted = 0;
  let duplicates = 0;
  for (const examId of examIds) {
    const count = (await client.workflow.count(`WorkflowId = "${ecoExamWorkflowId(examId)}"`)).count;
    runs += count;
    if (count !== 1) violations.push(`${examId}: ${count} workflow runs`);
    const final = finals.get(examId);
    if (final !== 'submitted') violations.push(`${examId}: ended ${final ?? 'unfinished'}, expected submitted`);
    const acceptedHere = sandbox.acceptedLoginInfo(examId).length;
    accepted += acceptedHere;
    if (acceptedHere === 0) violations.push(`${examId}: Feishu never accepted its login_info`);
    // At-least-once (docs/reliability.md): a duplicate needs a worker dying between Feishu's answer and the activity's
    // completion; a graceful server restart is not that, so here every exam has exactly one.
    if (acceptedHere > 1) {
      duplicates += acceptedHere - 1;
      violations.push(`${examId}: Feishu accepted its login_info ${acceptedHere} times`);
    }
  }
  // SQL visibility serves the product's search attributes (eventually consistent: poll briefly).
  let bySearchAttribute = 0;
  const ids = examIds.map((id) => `"${id}"`).join(', ');
  for (let i = 0; i < 20; i++) {
    bySearchAttribute = (await client.workflow.count(`ExamStatus = "submitted" AND ExamId IN (${ids})`)).count;
    if (bySearchAttribute === examIds.length) break;
    await sleep(500);
  }
  if (bySearchAttribute !== examIds.length) {
    violations.push(`visibility: ${bySearchAttribute} of ${examIds.length} exams found by ExamStatus = "submitted"`);
  }
  return {
    exams: examIds.length,
    finals,
    runs,
    accepted,
    duplicates,
    loginInfoRequests: sandbox.loginInfoRequests().length,
    bySearchAttribute,
    restartMs,
    arrangeRetries,
    violations,
  };
}

/** Bounded: every stop has its own SIGKILL fallback. Safe to call twice. */
async function stopAll(stack: Stack): Promise<void> {
  await stack.connection?.close().catch(() => undefined);
  stack.connection = undefined;
  await Promise.all(stack.workers.splice(0).map((worker) => worker.stop('SIGTERM', 10_000)));
  await stack.ingest?.stop('SIGTERM', 10_000);
  stack.ingest = undefined;
  await stack.server?.stop();
  stack.server = undefined;
  await stack.postgres?.stop();
  stack.postgres = undefined;
  await stack.sandbox?.close();
  stack.sandbox = undefined;
}

let exams: number;
try {
  exams = parseExams(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`production-check: ${errorText(err)}\n`);
  process.exit(2);
}
main(exams).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `production-check failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(2);
  },
);
