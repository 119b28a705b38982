/**
 * Injected faults for Open API calls that get past auth and quota: queued faults (scoped to an exam or global, FIFO,
 * each `times` times), chaos mode (a fault by probability for calls no queued fault applies to), and rate-limit
 * episodes (every call is answered 429 until the episode ends).
 */
import { CODE, errorReply, messageFor, rateLimitReply } from './envelope';
import { HTML_CONTENT_TYPE, TEXT_CONTENT_TYPE, type Reply } from './http';
import type { SandboxFault } from './types';

interface QueuedFault {
  fault: SandboxFault;
  examId?: string;
  remaining: number;
}

export interface RandomFault {
  probability: number;
  fault: SandboxFault;
}

export class FaultQueue {
  private faults: QueuedFault[] = [];
  private randomFaults: RandomFault[] = [];
  private random: () => number = Math.random;
  private throttledUntil = 0;

  constructor(private readonly clock: () => number) {}

  inject(fault: SandboxFault, scope: { examId?: string; times?: number } = {}): void {
    const times = scope.times ?? 1;
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) {
      throw new RangeError('times must be a positive integer or Infinity');
    }
    this.faults.push({ fault, examId: scope.examId, remaining: times });
  }

  /** Checked in order; the probabilities should sum to ≤ 1. An empty list turns chaos off. */
  setRandom(faults: RandomFault[], random: () => number = Math.random): void {
    if (faults.some((f) => !(f.probability >= 0 && f.probability <= 1)))
      throw new RangeError('probability must be in [0, 1]');
    this.randomFaults = [...faults];
    this.random = random;
  }

  rateLimitFor(ms: number): void {
    this.throttledUntil = Math.max(this.throttledUntil, this.clock() + ms);
  }

  /** Queued faults, chaos and a running rate-limit episode: all gone. */
  clear(): void {
    this.faults = [];
    this.randomFaults = [];
    this.throttledUntil = 0;
  }

  /**
   * The fault this call meets, if any: a running rate-limit episode first, then the oldest fault scoped to its exam,
   * else the oldest global one (each use counts against `times`), else chaos.
   */
  take(examId: string): SandboxFault | undefined {
    const throttledMs = this.throttledUntil - this.clock();
    if (throttledMs > 0) return { kind: 'rate_limit', resetSeconds: Math.max(1, Math.ceil(throttledMs / 1000)) };
    let index = this.faults.findIndex((queued) => queued.examId === examId);
    if (index < 0) index = this.faults.findIndex((queued) => queued.examId === undefined);
    const queued = this.faults[index];
    if (!queued) return this.randomFault();
    queued.remaining -= 1;
    if (queued.remaining <= 0) this.faults.splice(index, 1);
    return queued.fault;
  }

  private randomFault(): SandboxFault | undefined {
    if (this.randomFaults.length === 0) return undefined;
    let roll = this.random();
    for (const { probability, fault } of this.randomFaults) {
      if (roll < probability) return fault;
      roll -= probability;
    }
    return undefined;
  }
}

export interface FaultEffects {
  logId: string;
  /** x-ogw-ratelimit-limit of a rate_limit fault without its own `limit`. */
  defaultRateLimit: number;
  /** A delay that the sandbox's close() cuts short. */
  wait(ms: number): Promise<void>;
  /** Invalidates the token the call presented. */
  revokeToken(): void;
}

/** The fault's answer, or undefined when the call should then be handled normally (a hang with `ms`). */
export async function faultReply(fault: SandboxFault, effects: FaultEffects): Promise<Reply | undefined> {
  const { logId } = effects;
  switch (fault.kind) {
    case 'error':
      return errorReply(fault.httpStatus, logId, fault.code, fault.msg ?? messageFor(fault.code));
    case 'rate_limit':
      return rateLimitReply(logId, fault.limit ?? effects.defaultRateLimit, fault.resetSeconds);
    case 'hang':
      if (fault.ms === undefined) return { kind: 'never' };
      await effects.wait(fault.ms);
      return undefined;
    case 'drop':
      return { kind: 'drop' };
    case 'revoke_token':
      effects.revokeToken();
      return errorReply(400, logId, CODE.invalidToken);
    case 'plain_text': {
      const contentType =
        fault.contentType ?? (fault.text.trimStart().startsWith('<') ? HTML_CONTENT_TYPE : TEXT_CONTENT_TYPE);
      return { kind: 'text', status: fault.httpStatus, text: fault.text, contentType };
    }
  }
}
