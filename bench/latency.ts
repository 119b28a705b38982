/**
 * Latency on an idle system: from the `examArranged` signal (the exam system's arrangement reaching Temporal) to the
 * login_info request arriving at Feishu (the sandbox), one exam at a time; and the history length of a happy-path
 * exam (every event is stored and replayed, so fewer is cheaper).
 */
import { arrangeExam, startExam } from '../src/client';
import { ecoExamWorkflowId } from '../src/common/constants';
import { FeishuSandbox } from '../sandbox/feishu-sandbox';
import { connectClient, examId, percentile, round, sleep, uniqueId, type BenchContext } from './context';
import { startProductWorkers } from './drain';

export interface LatencyResult {
  samples: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Every sample, ms (for the plot). */
  values: number[];
  historyEvents: number;
}

export async function runLatencyBench(ctx: BenchContext): Promise<LatencyResult> {
  const samples = ctx.quick ? 60 : 300;
  const sandbox = await FeishuSandbox.start({
    apps: [{ appId: 'cli_bench', appSecret: 'bench-secret', type: 'custom' }],
  });
  const { client, close } = await connectClient(ctx);
  const taskQueue = uniqueId('latency');
  const workers = await startProductWorkers(ctx, taskQueue, sandbox.url);
  const values: number[] = [];
  let historyEvents = 0;
  try {
    for (let i = 0; i < samples + 5; i++) {
      const id = examId();
      await startExam(client, { examId: id, tenantKey: 'tenant-bench' }, { taskQueue });
      await sleep(30); // let the first workflow task run: the exam is waiting, as in production
      const sent = Date.now();
      await arrangeExam(client, id, { exam_login_info: { exam_url: `https://exam.example/${id}`, password: 'pw' } });
      while (sandbox.loginInfoRequests(id).length === 0) await sleep(1);
      const arrived = sandbox.loginInfoRequests(id)[0]!.at;
      if (i >= 5) values.push(arrived - sent); // the first few warm caches and connections
      if (i === samples + 4) {
        await client.workflow.getHandle(ecoExamWorkflowId(id)).result();
        historyEvents = (await client.workflow.getHandle(ecoExamWorkflowId(id)).fetchHistory()).events?.length ?? 0;
      }
      await sleep(60); // idle system: never two exams at once, far under the rate limit
    }
  } finally {
    await workers.stop();
    await sandbox.close();
    await close();
  }
  return {
    samples: values.length,
    p50Ms: round(percentile(values, 50)),
    p95Ms: round(percentile(values, 95)),
    p99Ms: round(percentile(values, 99)),
    maxMs: round(Math.max(...values)),
    values,
    historyEvents,
  };
}
