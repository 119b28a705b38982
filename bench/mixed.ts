/**
 * Mixed drain: one tenant's backlog of N arranged exams, each with its result already reported (held by the workflow
 * until its login info is accepted), drained by the product's workers. login_info and update_result have a quota
 * each (50/s, 1000/min per API × app × tenant) and a task queue each: both drains run at the same time, each at its
 * own quota. Measured from the sandbox's request log. Then the history of one exam whose result is updated ten times:
 * events and bytes, what a long-lived exam costs Temporal.
 */
import { examArranged, examResultReported, reportExamResult } from '../src/workflows/definitions';
import { arrangeExam, getExamStatus, startExam } from '../src/client';
import { FeishuSandbox, type RecordedRequest } from '../sandbox/feishu-sandbox';
import type { EcoExamInput } from '../src/common/schemas';
import { ecoExamWorkflowId } from '../src/common/constants';
import type { ExamResultBody } from '../src/common/result-schemas';
import { connectClient, examId, maxInWindow, round, sleep, uniqueId, type BenchContext } from './context';
import { startProductWorkers } from './drain';

export interface MixedResult {
  exams: number;
  /** Accepted login_info calls per minute over their own drain. */
  loginInfoPerMin: number;
  /** Accepted update_result calls per minute over their own drain. */
  updateResultPerMin: number;
  /** 429 answers, both APIs. */
  throttled: number;
  loginInfoAccepted: number;
  updateResultAccepted: number;
  /** Seconds both drains ran at once (from the first update_result to the last login_info). */
  overlapSeconds: number;
  max1sLoginInfo: number;
  max1sUpdateResult: number;
  seconds: number;
  /** The history of one exam with ten accepted result updates. */
  tenUpdates: { events: number; bytes: number; updates: number };
}

const APP = { appId: 'cli_bench', appSecret: 'bench-secret' };
const TENANT = 'tenant-bench';
const loginBody = (id: string) => ({
  exam_login_info: { exam_url: `https://exam.example/t/${id}`, username: `u-${id}`, password: `p-${id}` },
});
const resultBody = (n: number): ExamResultBody => ({
  result: String(60 + n),
  result_time: String(1_700_000_000_000 + n),
  detail_list: [{ name: 'part 1', result: String(30 + n) }],
});
/** Exams of the bench end soon after their result: short window and settle delay (the timers would only wait). */
const resultInput: Partial<EcoExamInput> = { resultUpdateWindow: '2s', resultSettleDelay: '2s' };

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

function ratePerMin(accepted: RecordedRequest[]): { perMin: number; first: number; last: number } {
  const times = accepted.map((r) => r.at).sort((a, b) => a - b);
  const first = times[0] ?? 0;
  const last = times.at(-1) ?? 0;
  const seconds = (last - first) / 1000;
  return { perMin: seconds > 0 ? round(((times.length - 1) / seconds) * 60, 1) : 0, first, last };
}

export async function runMixedBench(ctx: BenchContext): Promise<MixedResult> {
  const exams = ctx.quick ? 200 : 1000;
  const ids = Array.from({ length: exams }, () => examId());
  const sandbox = await FeishuSandbox.start({ apps: [{ ...APP, type: 'custom' }] });
  const { client, close } = await connectClient(ctx);
  const taskQueue = uniqueId('mixed');
  try {
    ctx.log(`mixed: starting ${exams} exams with login info and a result each (no worker yet: a backlog)…`);
    await inBatches(ids, 50, async (id) => {
      await startExam(client, { examId: id, tenantKey: TENANT, ...resultInput }, { taskQueue });
      // Signals (the durable path): updates need a live worker, and the backlog has none yet.
      const handle = client.workflow.getHandle(ecoExamWorkflowId(id));
      await handle.signal(examArranged, loginBody(id));
      await handle.signal(examResultReported, resultBody(0));
    });
    ctx.log('mixed: backlog ready; starting the workers');
    const workers = await startProductWorkers(ctx, taskQueue, sandbox.url, {});
    try {
      const deadline = Date.now() + (exams / 10) * 1000 + 120_000;
      while (sandbox.acceptedResults().length < exams && Date.now() < deadline) await sleep(500);
      const logins = sandbox.acceptedLoginInfo();
      const results = sandbox.acceptedResults();
      const login = ratePerMin(logins);
      const update = ratePerMin(results);
      const all = [...sandbox.loginInfoRequests(), ...sandbox.updateResultRequests()];
      const mixed = {
        exams,
        loginInfoPerMin: login.perMin,
        updateResultPerMin: update.perMin,
        throttled: all.filter((r) => r.response.status === 429).length,
        loginInfoAccepted: logins.length,
        updateResultAccepted: results.length,
        overlapSeconds: round(Math.max(0, (Math.min(login.last, update.last) - update.first) / 1000), 1),
        max1sLoginInfo: maxInWindow(
          sandbox.loginInfoRequests().map((r) => r.at),
          1000,
        ),
        max1sUpdateResult: maxInWindow(
          sandbox.updateResultRequests().map((r) => r.at),
          1000,
        ),
        seconds: round((Math.max(login.last, update.last) - Math.min(login.first, update.first)) / 1000, 1),
      };
      ctx.log(
        `mixed: login_info ${mixed.loginInfoAccepted}/${exams} at ${mixed.loginInfoPerMin}/min, update_result ` +
          `${mixed.updateResultAccepted}/${exams} at ${mixed.updateResultPerMin}/min, ${mixed.throttled} throttled, ` +
          `${mixed.overlapSeconds}s overlap`,
      );
      const tenUpdates = await historyOfTenUpdates(ctx, client, taskQueue);
      ctx.log(`mixed: a 10-update exam's history: ${tenUpdates.events} events, ${tenUpdates.bytes} bytes`);
      return { ...mixed, tenUpdates };
    } finally {
      await workers.stop();
    }
  } finally {
    await close();
    await sandbox.close();
  }
}

/** One exam, its result reported ten times (each after the previous was accepted); its closed history's size. */
async function historyOfTenUpdates(
  ctx: BenchContext,
  client: Awaited<ReturnType<typeof connectClient>>['client'],
  taskQueue: string,
): Promise<MixedResult['tenUpdates']> {
  const id = examId();
  await startExam(client, { examId: id, tenantKey: TENANT, ...resultInput }, { taskQueue });
  await arrangeExam(client, id, loginBody(id));
  const handle = client.workflow.getHandle(ecoExamWorkflowId(id));
  for (let n = 1; n <= 10; n++) {
    await handle.executeUpdate(reportExamResult, { args: [resultBody(n)] });
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const status = await getExamStatus(client, id);
      if (status.result?.updates === n && status.result.status === 'submitted') break;
      await sleep(100);
    }
  }
  await handle.result();
  const description = await handle.describe();
  const history = await handle.fetchHistory();
  const bytes = Number(description.raw.workflowExecutionInfo?.historySizeBytes ?? 0);
  ctx.log(`mixed: 10-update exam ${id} closed as ${description.status.name}`);
  return { events: history.events?.length ?? 0, bytes, updates: 10 };
}
