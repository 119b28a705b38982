import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  proxySinks,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration, SearchAttributePair } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../activities';
import {
  ARRANGEMENT_REFUSAL,
  DEFAULT_ARRANGEMENT_TIMEOUT,
  loginInfoTaskQueue,
  type ExamStatus,
  type FinalExamStatus,
} from '../common/constants';
import { NON_RETRYABLE_FAILURE_TYPES, finalStatusForFailure } from '../common/failure-types';
import type { ExamMetricsSinks } from '../common/metrics';
import { describeZodError, examSchemas } from '../common/lazy-schemas';
import type { EcoExamInput, LoginInfoBody } from '../common/schemas';
import { ExamAccountIdKey, ExamIdKey, ExamStatusKey, FeishuTenantKeyKey } from '../common/search-attributes';
import type { ArrangementAccepted, EcoExamResult, ExamError, ExamStatusView } from '../common/types';
import { arrangeExamUpdate, examArranged, examStatus, submitAttemptFailed } from './definitions';
import { legacyEcoExamInputSchema, legacyLoginInfoBodySchema } from './legacy-schemas';
import { showDetails } from './current-details';
import { examErrorFromFailure } from './activity-errors';
import { setupResultPhase } from './result-phase';

/*
 * patched() ids: exams started before a change replay the old path (README, "Changing the workflow"); each is checked
 * by the replay fixtures in test/fixtures/histories.
 */
/** Today's field limits (src/common/lazy-schemas.ts) and the accepted-update-wins rule at the deadline. */
export const STRICT_LIMITS_PATCH = 'strict-limits';
/** The worker's ARRANGEMENT_TIMEOUT governs exams whose input does not set one. */
export const WORKER_SETTINGS_PATCH = 'worker-settings';

/** How long Temporal keeps retrying submitLoginInfo before the exam ends `failed`. */
export const DEFAULT_SUBMISSION_TIMEOUT = '1 day';

/**
 * One exam, from Feishu's 创建笔试 event to Feishu accepting its login info.
 *
 * Waits (up to `arrangementTimeout`: the input's, else the worker's ARRANGEMENT_TIMEOUT) for the exam system's
 * arrangement — the `arrangeExam` update (answered) or the `examArranged` signal (not) —, validates it, then runs
 * submitLoginInfo under a retry policy whose non-retryable types come from src/common/failure-types.ts.
 * Every path ends in a typed result: submitted, rejected (Feishu said no), failed (retries exhausted), expired.
 */
export async function ecoExamWorkflow(rawInput: EcoExamInput): Promise<EcoExamResult> {
  // Exams started by the first release replay its rules (src/workflows/legacy-schemas.ts); new ones get today's.
  const strict = patched(STRICT_LIMITS_PATCH);
  const parsedInput = (strict ? examSchemas.ecoExamInput() : legacyEcoExamInputSchema()).safeParse(rawInput);
  if (!parsedInput.success) {
    throw ApplicationFailure.create({
      type: 'InvalidExamInput',
      message: `invalid workflow input: ${describeZodError(parsedInput.error)}`,
      nonRetryable: true,
    });
  }
  const input: EcoExamInput = parsedInput.data;
  const state: ExamStatusView = {
    examId: input.examId,
    status: 'awaiting_arrangement',
    attempts: 0,
    invalidArrangements: 0,
    accountId: input.accountId,
    paperId: input.paperId,
    tenantKey: input.tenantKey,
  };
  // A run continued as new in the result phase (src/workflows/result-phase.ts) carries the exam's view.
  if (input.resume) Object.assign(state, input.resume.view);
  let arrangement: LoginInfoBody | undefined;
  /** True while the workflow still waits for an arrangement (false once the wait is over, whatever ended it). */
  let waiting = true;

  const accept = (body: LoginInfoBody): void => {
    arrangement = body;
    state.arrangedAt = new Date().toISOString();
    state.hasCredentials = body.exam_login_info.username !== undefined || body.exam_login_info.password !== undefined;
    state.lastError = undefined;
  };

  setHandler(examStatus, () => ({ ...state, lastError: state.lastError && { ...state.lastError } }), {
    description: 'The exam: status, attempts, last error. Never the credentials.',
  });
  setHandler(
    examArranged,
    (payload) => {
      if (arrangement !== undefined || state.status !== 'awaiting_arrangement') {
        log.warn('examArranged ignored: the exam is already arranged', { examId: input.examId, status: state.status });
        return;
      }
      const parsed = (strict ? examSchemas.loginInfoBody() : legacyLoginInfoBodySchema()).safeParse(payload);
      if (!parsed.success) {
        state.invalidArrangements += 1;
        state.lastError = {
          type: 'InvalidArrangement',
          message: `invalid arrangement: ${describeZodError(parsed.error)}`,
        };
        log.warn('examArranged rejected: invalid payload', { examId: input.examId, reason: state.lastError.message });
        return;
      }
      accept(parsed.data);
    },
    {
      description:
        'The arrangement result from the exam system (the login_info body); an invalid or late one is dropped.',
    },
  );
  setHandler(
    arrangeExamUpdate,
    (payload): ArrangementAccepted => {
      // The validator has just accepted it, in the same activation: it parses.
      accept(examSchemas.loginInfoBody().parse(payload));
      return { examId: input.examId, arrangedAt: state.arrangedAt ?? new Date().toISOString() };
    },
    {
      description:
        'The arrangement result (the login_info body), answered: the first valid one wins, later ones are refused.',
      // Runs before acceptance; a throw refuses the update and writes nothing to the history.
      validator: (payload) => {
        if (!waiting || arrangement !== undefined || state.status !== 'awaiting_arrangement') {
          // Between the accepted arrangement (or the deadline) and the next status, say what it is about to be.
          const status =
            state.status !== 'awaiting_arrangement' ? state.status : arrangement !== undefined ? 'arranged' : 'expired';
          throw ApplicationFailure.create({
            type: ARRANGEMENT_REFUSAL.notAwaiting,
            message:
              status === 'expired'
                ? `exam ${input.examId} is no longer awaiting an arrangement (status expired)`
                : `exam ${input.examId} is already arranged (status ${status})`,
            details: [status],
            nonRetryable: true,
          });
        }
        const parsed = examSchemas.loginInfoBody().safeParse(payload);
        if (!parsed.success) {
          throw ApplicationFailure.create({
            type: ARRANGEMENT_REFUSAL.invalid,
            message: describeZodError(parsed.error),
            nonRetryable: true,
          });
        }
      },
    },
  );
  setHandler(submitAttemptFailed, (report) => {
    state.attempts = Math.max(state.attempts, report.attempt);
    state.lastError = report.error;
    showDetails(state);
  });
  const results = setupResultPhase(input, state);
  if (input.resume) {
    const outcome = await results.run(input.resume.loginLogId);
    await condition(allHandlersFinished);
    return {
      examId: state.examId,
      status: 'submitted',
      attempts: state.attempts,
      logId: input.resume.loginLogId,
      result: outcome,
    };
  }

  // Every handler is registered before the first await: a signal or update that comes with the start is handled.
  const arrangementTimeout = await resolveArrangementTimeout(input);
  state.arrangementDeadline = new Date(Date.now() + msToNumber(arrangementTimeout)).toISOString();
  setStatus(state, 'awaiting_arrangement', input);
  // The notification runs beside the wait: an arrangement that arrives first makes it moot (it is then cancelled).
  const notification = input.notifyExamSystem ? notifyExamSystem(state, input) : undefined;
  const arrived = await condition(() => arrangement !== undefined, arrangementTimeout, {
    summary: 'waiting for the exam system to arrange the exam',
  });
  waiting = false;
  await notification?.settle();
  // An accepted update is a promise kept, even when the deadline fired in the same activation (first release: not).
  const proceed = strict ? arrangement !== undefined : arrived && arrangement !== undefined;
  const result = proceed && arrangement ? await submit(state, input, arrangement) : finish(state, input, 'expired');
  if (result.status === 'submitted') {
    const outcome = await results.run(result.logId);
    if (outcome) result.result = outcome;
  }
  await condition(allHandlersFinished);
  return result;
}

/**
 * The input's arrangementTimeout when set; otherwise the worker's ARRANGEMENT_TIMEOUT (the workerSettings local
 * activity, its answer recorded in the history). Exams started before WORKER_SETTINGS_PATCH keep the built-in default.
 */
async function resolveArrangementTimeout(input: EcoExamInput): Promise<Duration> {
  if (input.arrangementTimeout !== undefined) return input.arrangementTimeout;
  if (!patched(WORKER_SETTINGS_PATCH)) return DEFAULT_ARRANGEMENT_TIMEOUT;
  const { workerSettings } = proxyLocalActivities<Activities>({
    startToCloseTimeout: '10 seconds',
    summary: "read the worker's settings (ARRANGEMENT_TIMEOUT)",
  });
  const settings = await workerSettings();
  return settings.arrangementTimeoutMs;
}

/** Starts notifyExamSystem in its own cancellation scope; its failure is recorded, never fatal to the exam. */
function notifyExamSystem(state: ExamStatusView, input: EcoExamInput): { settle(): Promise<void> } {
  const { notifyExamSystem: notify } = proxyActivities<Activities>({
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: '1 hour',
    summary: 'notify the exam system of the new exam',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
    },
  });
  const scope = new CancellationScope();
  let settled = false;
  const done = scope
    .run(() =>
      notify({
        type: 'exam.created',
        examId: input.examId,
        workflowId: workflowInfo().workflowId,
        accountId: input.accountId,
        paperId: input.paperId,
        tenantKey: input.tenantKey,
        eventId: input.eventId,
        candidate: input.candidate,
        arrangementDeadline: state.arrangementDeadline,
      }),
    )
    .then(
      () => {
        state.examSystemNotified = true;
      },
      (err: unknown) => {
        if (isCancellation(err)) return;
        const error =
          err instanceof ActivityFailure ? examErrorFromFailure(err) : { type: 'Error', message: String(err) };
        state.examSystemNotified = false;
        if (state.status === 'awaiting_arrangement') state.lastError = error;
        log.warn('could not notify the exam system', { examId: input.examId, type: error.type, reason: error.message });
      },
    )
    .finally(() => {
      settled = true;
    });
  return {
    async settle() {
      if (!settled) scope.cancel();
      await done;
    },
  };
}

async function submit(state: ExamStatusView, input: EcoExamInput, body: LoginInfoBody): Promise<EcoExamResult> {
  setStatus(state, 'submitting', input);
  const { submitLoginInfo } = proxyActivities<Activities>({
    // Its own task queue, rate-limited to Feishu's quota; per-tenant fairness where the server has it enabled.
    taskQueue: loginInfoTaskQueue(workflowInfo().taskQueue),
    ...(input.tenantKey && { priority: { fairnessKey: input.tenantKey.slice(0, 64) } }),
    // The Feishu client times out each request (10 s by default); a token refresh, one retry and the absorbed
    // 429 waits (src/feishu/client.ts) fit in this.
    startToCloseTimeout: '2 minutes',
    // The activity heartbeats every 5 s: a worker that dies mid-call is noticed within 20 s.
    heartbeatTimeout: '20 seconds',
    scheduleToCloseTimeout: input.submissionTimeout ?? DEFAULT_SUBMISSION_TIMEOUT,
    summary: 'POST login_info to Feishu',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '5 minutes',
      nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
    },
  });
  try {
    const outcome = await submitLoginInfo({ examId: input.examId, tenantKey: input.tenantKey, body });
    state.attempts = Math.max(state.attempts, outcome.attempt);
    state.submittedAt = new Date().toISOString();
    state.lastError = undefined;
    return finish(state, input, 'submitted', { logId: outcome.logId });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const error = examErrorFromFailure(err);
    state.lastError = error;
    state.attempts = Math.max(state.attempts, error.attempt ?? 0);
    const status =
      err.cause instanceof ApplicationFailure
        ? finalStatusForFailure(err.cause.type, err.cause.nonRetryable)
        : 'failed';
    log.warn('login_info not accepted', {
      examId: input.examId,
      status,
      type: error.type,
      code: error.code,
      logId: error.logId,
    });
    return finish(state, input, status, { error });
  }
}

function finish(
  state: ExamStatusView,
  input: EcoExamInput,
  status: FinalExamStatus,
  extra: { logId?: string; error?: ExamError } = {},
): EcoExamResult {
  setStatus(state, status, input);
  return { examId: state.examId, status, attempts: state.attempts, ...extra };
}

/** Status changes reach the worker's metrics (src/worker/compose.ts); sinks add nothing to the history. */
const { examMetrics } = proxySinks<ExamMetricsSinks>();

function setStatus(state: ExamStatusView, status: ExamStatus, input: EcoExamInput): void {
  state.status = status;
  examMetrics.statusTransition(status);
  // Only what differs from the search attributes set at start is upserted: fewer history events per exam.
  const current = workflowInfo().typedSearchAttributes;
  const wanted: SearchAttributePair[] = [
    { key: ExamIdKey, value: input.examId },
    { key: ExamStatusKey, value: status },
    ...(input.accountId ? [{ key: ExamAccountIdKey, value: input.accountId }] : []),
    ...(input.tenantKey ? [{ key: FeishuTenantKeyKey, value: input.tenantKey }] : []),
  ];
  const changed = wanted.filter((pair) => current.get(pair.key) !== pair.value);
  if (changed.length > 0) upsertSearchAttributes(changed);
  showDetails(state);
}
