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
import { FEISHU_QUOTA_PER_SECOND } from '../src/common/constants';
import { acceptedPerMinute, perSecond } from './calls';
import {
  connectClient,
  examId,
  inBatches,
  maxInWindow,
  round,
  sleep,
  uniqueId,
  type BenchContext,
  type BenchRow,
} from './context';
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
  /** Calls per second of each API since the first call of either (for the plot; not in the JSON). */
  perSecond: { loginInfo: number[]; updateResult: number[] };
}

/** The target for each API's rate while both drain at once (issue 14). */
export const MIXED_TARGET_PER_MIN = 960;

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

const ratePerMin = (accepted: RecordedRequest[]) => acceptedPerMinute(accepted.map((r) => r.at));

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
      const origin = Math.min(...all.map((r) => r.at));
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
        perSecond: {
          loginInfo: perSecond(sandbox.loginInfoRequests(), origin),
          updateResult: perSecond(sandbox.updateResultRequests(), origin),
        },
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

/** The section's rows of the printed table (bench/run.ts), each figure beside the target. */
export function mixedRows(mixed: MixedResult): BenchRow[] {
  const target = `≥ ${MIXED_TARGET_PER_MIN}/min`;
  return [
    {
      figure: `mixed ${mixed.exams} exams: login_info rate`,
      measured: `${mixed.loginInfoPerMin}/min`,
      target,
      met: mixed.loginInfoPerMin >= MIXED_TARGET_PER_MIN,
    },
    {
      figure: 'mixed: update_result rate (same time)',
      measured: `${mixed.updateResultPerMin}/min`,
      target,
      met: mixed.updateResultPerMin >= MIXED_TARGET_PER_MIN,
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

/** The section's figures in bench/results/latest.json (`mixed.*`): all but the per-second series. */
export function mixedJson(mixed: MixedResult): Omit<MixedResult, 'perSecond'> {
  const { perSecond: _series, ...figures } = mixed;
  return figures;
}
