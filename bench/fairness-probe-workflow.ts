/**
 * The probe's workflow (bench/fairness-probe.ts): starts `perKey` activities for each fairness key at once, all on
 * one activity task queue, and returns when each started (the activity's own clock).
 */
import { proxyActivities } from '@temporalio/workflow';

export interface ProbeActivities {
  probeCall(key: string): Promise<number>;
}

export async function fairnessProbeWorkflow(input: {
  taskQueue: string;
  keys: string[];
  perKey: number;
  /** No fairness key at all (as a custom app's calls): all share the queue's default key. */
  unkeyed?: boolean;
}): Promise<Array<{ key: string; at: number }>> {
  const calls: Array<Promise<{ key: string; at: number }>> = [];
  for (let i = 0; i < input.perKey; i++) {
    for (const key of input.keys) {
      const { probeCall } = proxyActivities<ProbeActivities>({
        taskQueue: input.taskQueue,
        startToCloseTimeout: '1 minute',
        ...(!input.unkeyed && { priority: { fairnessKey: key } }),
      });
      calls.push(probeCall(key).then((at) => ({ key, at })));
    }
  }
  return Promise.all(calls);
}
