import type { Client } from '@temporalio/client';

/**
 * A stand-in Temporal client for ingest tests that must prove what did NOT happen: it records every workflow
 * operation. Functional tests use the real dev server instead.
 */
export interface RecordingClient {
  client: Client;
  calls: Array<{ op: string; args: unknown[] }>;
  /** Make every Temporal call fail like an unreachable server. */
  unreachable: boolean;
}

/** What the recording client's `arrangeExam` update answers as its acceptance time. */
export const FAKE_ARRANGED_AT = '2026-01-01T00:00:00.000Z';

export function recordingClient(): RecordingClient {
  const recorder: RecordingClient = { client: undefined as unknown as Client, calls: [], unreachable: false };
  const op =
    (name: string, result: unknown = {}) =>
    async (...args: unknown[]) => {
      recorder.calls.push({ op: name, args });
      if (recorder.unreachable) {
        throw Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
      }
      return result;
    };
  const handle = {
    describe: op('describe', {
      workflowId: 'w',
      runId: 'r',
      status: { name: 'RUNNING' },
      typedSearchAttributes: { get: () => undefined },
    }),
    signal: op('signal'),
    startUpdate: op('startUpdate', {
      workflowRunId: 'r',
      result: async () => ({ examId: 'x', arrangedAt: FAKE_ARRANGED_AT }),
    }),
    query: op('query', { examId: 'x', status: 'awaiting_arrangement', attempts: 0, invalidArrangements: 0 }),
  };
  recorder.client = {
    connection: { withDeadline: (_deadline: number, fn: () => Promise<unknown>) => fn() },
    workflow: {
      start: op('start', { firstExecutionRunId: 'run-1' }),
      signalWithStart: op('signalWithStart', {}),
      getHandle: (...args: unknown[]) => {
        recorder.calls.push({ op: 'getHandle', args });
        return handle;
      },
    },
    workflowService: { getSystemInfo: op('getSystemInfo') },
  } as unknown as Client;
  return recorder;
}
