import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions, SearchAttributePair } from '@temporalio/common';
import type { Activities } from '../activities';
import {
  DEFAULT_RESULT_TIMEOUT,
  DEFAULT_RESULT_UPDATE_WINDOW,
  EXAM_RESULT_REFUSED,
  INVALID_EXAM_RESULT,
  updateResultTaskQueue,
  type ExamResultStatus,
} from '../common/constants';
import { NON_RETRYABLE_FAILURE_TYPES, resultStatusForFailure } from '../common/failure-types';
import { durationMs, resultSchemas } from '../common/lazy-result-schemas';
import type { ExamResultBody, ResultPhaseResume } from '../common/result-schemas';
import { describeZodError } from '../common/lazy-schemas';
import type { EcoExamInput } from '../common/schemas';
import {
  ExamAccountIdKey,
  ExamIdKey,
  ExamResultStatusKey,
  ExamStatusKey,
  FeishuTenantKeyKey,
} from '../common/search-attributes';
import type { ExamError, ExamResultView, ExamStatusView, ReportExamResultAck, WorkerSettings } from '../common/types';
import { resultRefusal } from '../common/result-refusal';
import { examResultReported, reportExamResult, submitResultAttemptFailed } from './definitions';
import { showDetails } from './current-details';
import { examErrorFromFailure } from './activity-errors';

/**
 * The result phase of ecoExamWorkflow: after Feishu accepts the login info, wait for the exam's result
 * (`examResultReported` signal or `reportExamResult` update), send it with submitExamResult (update_result), accept
 * newer results for the update window after the last accepted one, then end. Results that arrive earlier are held.
 *
 * Ordering: results are numbered as they are taken and only the newest is ever sent next; one send at a time. A
 * request whose outcome is unknown (it timed out on our side, the connection dropped, 5xx, a retried attempt) may
 * still reach Feishu late. When such a request is older than a result Feishu then accepts, the accepted (newest)
 * result is sent once more after `resultSettleDelay` — longer than any request of ours lives — so Feishu's final
 * state is the newest even if the old request lands after it.
 */

/** How long Temporal keeps retrying one submitExamResult before the result becomes `failed`. */
export const DEFAULT_RESULT_SUBMISSION_TIMEOUT = '1 day';
/** The wait before the newest is re-sent after a request of unknown outcome: ≫ the request and activity timeouts. */
export const DEFAULT_RESULT_SETTLE_DELAY = '2 minutes';
/** Result sends per run before the workflow continues as new (≈ 15 history events each). */
export const DEFAULT_RESULT_SENDS_PER_RUN = 50;

type Numbered = { seq: number; body: ExamResultBody };
export type ResultOutcome = Omit<ExamResultView, 'pending'>;

export interface ResultPhase {
  /**
   * Runs the phase once login info is accepted (or straight away in a continued run). Resolves undefined when the
   * phase is off (a replayed first-release history, or a result timeout of 0). May continue as new.
   */
  run(loginLogId?: string): Promise<ResultOutcome | undefined>;
}

/** The update's body check: the parsed result, or a refusal that names the field and the reason (→ 400). */
function parseOrRefuse(payload: unknown): ExamResultBody {
  const parsed = resultSchemas.examResultBody().safeParse(payload);
  if (parsed.success) return parsed.data;
  throw ApplicationFailure.create({
    type: INVALID_EXAM_RESULT,
    message: `invalid result: ${describeZodError(parsed.error)}`,
    nonRetryable: true,
  });
}

/** Registers the result signal and update (call once, at workflow start) and returns the phase. */
export function setupResultPhase(input: EcoExamInput, state: ExamStatusView): ResultPhase {
  const resume = input.resume;
  let seq = resume?.seq ?? 0;
  let pending: Numbered | undefined = resume?.pending;
  let lastAccepted: Numbered | undefined = resume?.lastAccepted;
  let doubtSeq: number | undefined = resume?.doubtSeq;
  let settle = resume?.settle ?? false;
  /** Set when the phase is over (or off): the exam takes no more results. */
  let closed = false;
  /** The send in progress: which result, and whether it has failed an attempt (Temporal is retrying it). */
  let inFlight: { seq: number; retrying: boolean } | undefined;
  let invalidResults = resume?.result.invalidResults ?? 0;
  let lastInvalid: ExamError | undefined;

  const refusalReason = (): string | undefined =>
    closed || state.status === 'rejected' || state.status === 'failed' || state.status === 'expired'
      ? resultRefusal(state)
      : undefined;
  const take = (body: ExamResultBody) => {
    seq += 1;
    pending = { seq, body };
    if (state.result) state.result.pending = true;
    showDetails(state);
  };
  const recordInvalid = (message: string) => {
    invalidResults += 1;
    lastInvalid = { type: INVALID_EXAM_RESULT, message };
    if (state.result) {
      state.result.invalidResults = invalidResults;
      state.result.lastError = lastInvalid;
    }
    showDetails(state);
  };

  setHandler(
    examResultReported,
    (payload) => {
      const refused = refusalReason();
      if (refused) {
        log.warn('examResultReported ignored', { examId: input.examId, reason: refused });
        return;
      }
      const parsed = resultSchemas.examResultBody().safeParse(payload);
      if (!parsed.success) {
        recordInvalid(`invalid result: ${describeZodError(parsed.error)}`);
        log.warn('examResultReported rejected: invalid payload', {
          examId: input.examId,
          reason: lastInvalid?.message,
        });
        return;
      }
      take(parsed.data);
    },
    { description: 'The exam result from the exam system (the update_result body); the newest is sent.' },
  );
  setHandler(
    reportExamResult,
    (payload): ReportExamResultAck => {
      // Validated again: validators do not run on replay.
      take(parseOrRefuse(payload));
      return { accepted: true, ...(state.result && { status: state.result.status }) };
    },
    {
      description: 'As examResultReported, refused up front when the exam cannot take the result.',
      validator: (payload) => {
        const refused = refusalReason();
        if (refused)
          throw ApplicationFailure.create({ type: EXAM_RESULT_REFUSED, message: refused, nonRetryable: true });
        parseOrRefuse(payload);
      },
    },
  );

  setHandler(submitResultAttemptFailed, (report) => {
    if (!inFlight || report.seq !== inFlight.seq || !state.result) return; // a late report of an earlier send
    inFlight.retrying = true;
    state.result.attempts = Math.max(state.result.attempts, report.attempt);
    state.result.lastError = report.error;
    showDetails(state);
  });

  async function run(loginLogId?: string): Promise<ResultOutcome | undefined> {
    let settings: Partial<WorkerSettings> = {};
    if (!resume) {
      if (!patched('result-phase')) {
        // A history recorded by the first release, which ended here.
        closed = true;
        return undefined;
      }
      if (
        (input.resultTimeout === undefined || input.resultUpdateWindow === undefined) &&
        patched('result-phase-settings')
      ) {
        const { workerSettings } = proxyLocalActivities<Activities>({
          startToCloseTimeout: '10 seconds',
          summary: "the worker's result settings",
        });
        settings = await workerSettings();
      }
    }
    const timeoutMs =
      input.resultTimeout !== undefined
        ? durationMs(input.resultTimeout)
        : (settings.resultTimeoutMs ?? durationMs(DEFAULT_RESULT_TIMEOUT));
    if (!resume && timeoutMs === 0) {
      closed = true;
      if (pending) log.warn('a held result is dropped: results are off', { examId: input.examId });
      return undefined;
    }
    const updateWindowMs =
      resume?.updateWindowMs ??
      (input.resultUpdateWindow !== undefined
        ? durationMs(input.resultUpdateWindow)
        : (settings.resultUpdateWindowMs ?? durationMs(DEFAULT_RESULT_UPDATE_WINDOW)));
    const settleMs = durationMs(input.resultSettleDelay ?? DEFAULT_RESULT_SETTLE_DELAY);
    const sendsPerRun = input.resultSendsPerRun ?? DEFAULT_RESULT_SENDS_PER_RUN;
    let deadline = resume?.deadline ?? Date.now() + timeoutMs;
    const view: ExamResultView = resume
      ? { ...resume.result, pending: pending !== undefined }
      : {
          status: 'awaiting',
          attempts: 0,
          updates: 0,
          invalidResults,
          pending: pending !== undefined,
          ...(lastInvalid && { lastError: lastInvalid }),
        };
    state.result = view;
    setResultStatus(state, view.status);

    const submitOptions: ActivityOptions = {
      taskQueue: updateResultTaskQueue(workflowInfo().taskQueue),
      ...(input.tenantKey && { priority: { fairnessKey: input.tenantKey.slice(0, 64) } }),
      startToCloseTimeout: '2 minutes',
      heartbeatTimeout: '20 seconds',
      // A cancelled send (a newer result replaced it) is over, on our side, before the newer one goes out.
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      scheduleToCloseTimeout: input.submissionTimeout ?? DEFAULT_RESULT_SUBMISSION_TIMEOUT,
      retry: {
        initialInterval: '1s',
        backoffCoefficient: 2,
        maximumInterval: '5 minutes',
        nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
      },
    };
    // One proxy per send, so each activity's summary in the UI says which result it carries (metadata, no command).
    const submitExamResult = (summary: string) =>
      proxyActivities<Activities>({
        ...submitOptions,
        summary,
      }).submitExamResult;

    /**
     * One send (a result, or the settle re-send of the last accepted); updates the view and the doubt marks. While
     * Temporal retries it (an attempt failed), a newer result makes it moot: it is cancelled and the newer one is
     * sent at once instead of after the older one's backoff.
     */
    async function send(item: Numbered, resend: boolean): Promise<void> {
      view.attempts = 0;
      setResultStatus(state, 'submitting');
      const current = (inFlight = { seq: item.seq, retrying: false });
      const scope = new CancellationScope();
      let done = false;
      void condition(() => done || (current.retrying && pending !== undefined)).then(() => {
        if (!done) scope.cancel();
      });
      try {
        const outcome = await scope.run(() =>
          submitExamResult(
            resend
              ? `POST update_result to Feishu: settle re-send of result #${item.seq}`
              : `POST update_result to Feishu: result #${item.seq}`,
          )({ examId: input.examId, tenantKey: input.tenantKey, body: item.body, seq: item.seq }),
        );
        view.attempts = outcome.attempt;
        view.submittedAt = new Date().toISOString();
        view.lastError = undefined;
        if (!resend) view.updates += 1;
        lastAccepted = item;
        // An unknown-outcome request older than this accepted one may still land: re-send this one after settling.
        // After the settle re-send, every older request has long landed.
        settle = !resend && doubtSeq !== undefined && doubtSeq < item.seq;
        if (!settle) doubtSeq = undefined;
        // Earlier attempts of this very request may land late too; harmless unless a newer result follows.
        if (outcome.attempt > 1) doubtSeq = Math.min(doubtSeq ?? item.seq, item.seq);
        deadline = Date.now() + updateWindowMs;
        setResultStatus(state, 'submitted');
      } catch (err) {
        if (isCancellation(err) && scope.consideredCancelled) {
          // Replaced by a newer result; a request of this one may still land: the newer is settled after it.
          doubtSeq = Math.min(doubtSeq ?? item.seq, item.seq);
          log.info('a retrying result was replaced by a newer one', { examId: input.examId });
          showDetails(state);
          return;
        }
        if (!(err instanceof ActivityFailure)) throw err;
        const error = resultErrorFromFailure(err);
        const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
        const status = cause ? resultStatusForFailure(cause.type, cause.nonRetryable) : 'failed';
        view.attempts = error.attempt ?? view.attempts;
        view.lastError = error;
        // Known not applied only when Feishu refused the first and only attempt.
        const known = cause?.nonRetryable === true && (error.attempt ?? 1) === 1;
        if (!known) doubtSeq = Math.min(doubtSeq ?? item.seq, item.seq);
        if (resend) settle = false;
        log.warn('update_result not accepted', { examId: input.examId, status, type: error.type, code: error.code });
        setResultStatus(state, status);
      } finally {
        done = true;
        inFlight = undefined;
      }
    }

    let sends = 0;
    for (;;) {
      if (view.status === 'locked') break;
      if (sends >= sendsPerRun || workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        const next: ResultPhaseResume = {
          view: { ...state, result: undefined, status: 'submitted' },
          result: {
            status: view.status,
            attempts: view.attempts,
            updates: view.updates,
            invalidResults: view.invalidResults,
            ...(view.lastError && { lastError: view.lastError }),
            ...(view.submittedAt && { submittedAt: view.submittedAt }),
          },
          seq,
          ...(pending && { pending }),
          ...(lastAccepted && { lastAccepted }),
          ...(doubtSeq !== undefined && { doubtSeq }),
          settle,
          ...(loginLogId !== undefined && { loginLogId }),
          deadline,
          updateWindowMs,
          runs: (resume?.runs ?? 1) + 1,
        };
        await makeContinueAsNewFunc({ typedSearchAttributes: examSearchAttributes() })({ ...input, resume: next });
      }
      if (pending === undefined && settle && lastAccepted && view.status === 'submitted') {
        const newer = await condition(() => pending !== undefined, settleMs, {
          summary: `settle delay, then re-send result #${lastAccepted.seq} (an older request's outcome is unknown)`,
        });
        if (!newer) {
          sends += 1;
          await send(lastAccepted, true);
          continue;
        }
      }
      if (pending === undefined) {
        const remaining = deadline - Date.now();
        if (remaining > 0) {
          await condition(() => pending !== undefined, remaining, {
            summary:
              view.status === 'awaiting'
                ? "waiting for the exam's result (RESULT_TIMEOUT)"
                : `taking a newer result until the update window closes (result ${view.status})`,
          });
        }
        if (pending === undefined) break;
      }
      const item: Numbered = pending;
      pending = undefined;
      view.pending = false;
      sends += 1;
      await send(item, false);
      view.pending = pending !== undefined;
      showDetails(state);
    }
    if (view.status === 'awaiting') setResultStatus(state, 'expired');
    closed = true;
    view.pending = false;
    showDetails(state);
    const { pending: _pending, ...outcome } = view;
    return outcome;
  }

  return { run };
}

/** Sets the result status (`state.result`), its search attribute when it changed, and the UI's current details. */
function setResultStatus(state: ExamStatusView, status: ExamResultStatus): void {
  if (state.result) state.result.status = status;
  if (workflowInfo().typedSearchAttributes.get(ExamResultStatusKey) !== status) {
    upsertSearchAttributes([{ key: ExamResultStatusKey, value: status }]);
  }
  showDetails(state);
}

/** The exam's search attributes, carried into the next run when the workflow continues as new. */
function examSearchAttributes(): SearchAttributePair[] {
  const current = workflowInfo().typedSearchAttributes;
  const pairs: SearchAttributePair[] = [];
  for (const key of [ExamIdKey, ExamStatusKey, ExamAccountIdKey, FeishuTenantKeyKey, ExamResultStatusKey]) {
    const value = current.get(key);
    if (value !== undefined) pairs.push({ key, value });
  }
  return pairs;
}

function resultErrorFromFailure(err: ActivityFailure): ExamError {
  if (err.cause instanceof TimeoutFailure && !(err.cause.cause instanceof ApplicationFailure)) {
    return { type: 'SubmissionTimeout', message: `submitExamResult timed out (${err.cause.timeoutType})` };
  }
  return examErrorFromFailure(err);
}
