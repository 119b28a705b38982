import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
} from '@temporalio/workflow';

/**
 * Newest-wins sending of a full list (or any body Feishu replaces whole) from a workflow: bodies are numbered as they
 * are taken, only the newest is ever sent next, one send at a time. While a send is being retried (an attempt failed)
 * a newer body makes it moot: it is cancelled and the newer one goes at once. A request whose outcome is unknown (a
 * timeout on our side, a dropped connection, 5xx, a retried attempt) may still reach Feishu late: when such a request
 * is older than a body Feishu then accepts, the accepted (newest) body is sent once more after a settle delay — longer
 * than any request of ours lives — so Feishu's final state is the newest even if the old request lands after it.
 *
 * The same rules as the result phase (src/workflows/result-phase.ts, docs/result-phase.md), which keeps its own copy
 * so that exams recorded before this module replay unchanged. Used by the account workflows.
 */

export interface Numbered<T> {
  seq: number;
  body: T;
}

/** What a continued run carries. */
export interface NewestWinsSnapshot<T> {
  seq: number;
  pending?: Numbered<T>;
  lastAccepted?: Numbered<T>;
  doubtSeq?: number;
  settle: boolean;
}

export type SendOutcome =
  | { kind: 'accepted'; attempt: number }
  /** A newer body replaced this one while it was being retried; the newer one is next. */
  | { kind: 'replaced' }
  /** The activity failed for good (Feishu refused it, or the retry window closed). */
  | { kind: 'failed'; failure: ActivityFailure };

export class NewestWins<T> {
  private seq: number;
  private pending: Numbered<T> | undefined;
  private lastAccepted: Numbered<T> | undefined;
  private doubtSeq: number | undefined;
  private settle: boolean;
  private inFlight: { seq: number; retrying: boolean } | undefined;

  constructor(resume?: NewestWinsSnapshot<T>) {
    this.seq = resume?.seq ?? 0;
    this.pending = resume?.pending;
    this.lastAccepted = resume?.lastAccepted;
    this.doubtSeq = resume?.doubtSeq;
    this.settle = resume?.settle ?? false;
  }

  /** Takes a body (it replaces any body not yet sent); returns its number. */
  take(body: T): number {
    this.seq += 1;
    this.pending = { seq: this.seq, body };
    return this.seq;
  }

  hasPending(): boolean {
    return this.pending !== undefined;
  }

  /** The newest body taken: the one waiting, else the last Feishu accepted. */
  newest(): T | undefined {
    return (this.pending ?? this.lastAccepted)?.body;
  }

  accepted(): T | undefined {
    return this.lastAccepted?.body;
  }

  /** A failed-attempt report: true when it is about the send in flight (a late report of an earlier one is not). */
  attemptFailed(seq: number | undefined): boolean {
    if (!this.inFlight || seq !== this.inFlight.seq) return false;
    this.inFlight.retrying = true;
    return true;
  }

  snapshot(): NewestWinsSnapshot<T> {
    return {
      seq: this.seq,
      ...(this.pending && { pending: this.pending }),
      ...(this.lastAccepted && { lastAccepted: this.lastAccepted }),
      ...(this.doubtSeq !== undefined && { doubtSeq: this.doubtSeq }),
      settle: this.settle,
    };
  }

  /**
   * The next send: the newest body taken, or — when a request of unknown outcome may still land after the last
   * accepted body — the settle re-send of that body after `settleMs` without a newer one. Undefined once `stop()`
   * holds (checked first: a continued run carries what is waiting).
   */
  async next(settleMs: number, stop: () => boolean): Promise<{ item: Numbered<T>; resend: boolean } | undefined> {
    for (;;) {
      if (stop()) return undefined; // what is waiting stays in the snapshot
      const pending = this.pending;
      if (pending) {
        this.pending = undefined;
        return { item: pending, resend: false };
      }
      if (this.settle && this.lastAccepted) {
        const woken = await condition(() => this.pending !== undefined || stop(), settleMs);
        if (!woken) return { item: this.lastAccepted, resend: true };
        continue;
      }
      await condition(() => this.pending !== undefined || stop());
    }
  }

  /** Runs one send through `call` (the activity) and keeps the doubt marks. */
  async send(item: Numbered<T>, resend: boolean, call: () => Promise<{ attempt: number }>): Promise<SendOutcome> {
    const current = (this.inFlight = { seq: item.seq, retrying: false });
    const scope = new CancellationScope();
    let done = false;
    void condition(() => done || (current.retrying && this.pending !== undefined)).then(() => {
      if (!done) scope.cancel();
    });
    try {
      const { attempt } = await scope.run(call);
      this.lastAccepted = item;
      // An unknown-outcome request older than this accepted one may still land: re-send this one after settling.
      this.settle = !resend && this.doubtSeq !== undefined && this.doubtSeq < item.seq;
      if (!this.settle) this.doubtSeq = undefined;
      // Earlier attempts of this very request may land late too; harmless unless a newer body follows.
      if (attempt > 1) this.doubt(item.seq);
      return { kind: 'accepted', attempt };
    } catch (err) {
      if (isCancellation(err) && scope.consideredCancelled) {
        this.doubt(item.seq);
        return { kind: 'replaced' };
      }
      if (!(err instanceof ActivityFailure)) throw err;
      const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
      const attempt = (cause?.details?.[0] as { attempt?: number } | undefined)?.attempt ?? 1;
      // Known not applied only when Feishu refused the first and only attempt.
      if (!(cause?.nonRetryable === true && attempt === 1)) this.doubt(item.seq);
      // Never re-send an older accepted body after a newer one failed.
      this.settle = false;
      return { kind: 'failed', failure: err };
    } finally {
      done = true;
      this.inFlight = undefined;
    }
  }

  private doubt(seq: number): void {
    this.doubtSeq = Math.min(this.doubtSeq ?? seq, seq);
  }
}
