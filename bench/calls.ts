/**
 * THE figures of a drain, read from the Feishu sandbox's request log (what Feishu would have seen), for every
 * section that drains calls (drain, mixed, tenants): accepted, throttled, the rate, the most calls in any 1 s and
 * 60 s window, and calls per second for the plots.
 */
import type { RecordedRequest } from '../sandbox/feishu-sandbox';
import { maxInWindow, round } from './context';

export interface CallFigures {
  /** Requests answered `code 0`. */
  accepted: number;
  /** Requests answered 429. */
  throttled: number;
  /** Accepted calls per minute, from the first accepted call to the last. */
  ratePerMin: number;
  /** Seconds from the first accepted call to the last. */
  seconds: number;
  /** Most requests (any answer) in any sliding 1 s / 60 s window. */
  max1s: number;
  max60s: number;
  /** Time of the first and the last accepted call (ms; 0 without any). */
  firstAcceptedAt: number;
  lastAcceptedAt: number;
}

/** Accepted calls per minute: n calls from the first to the last span n − 1 intervals. 0 for fewer than 2. */
export function acceptedPerMinute(times: number[]): { perMin: number; first: number; last: number; seconds: number } {
  if (times.length === 0) return { perMin: 0, first: 0, last: 0, seconds: 0 };
  const first = Math.min(...times);
  const last = Math.max(...times);
  const seconds = (last - first) / 1000;
  return { perMin: seconds > 0 ? round(((times.length - 1) / seconds) * 60, 1) : 0, first, last, seconds };
}

export function callFigures(requests: RecordedRequest[]): CallFigures {
  const times = requests.map((r) => r.at);
  const rate = acceptedPerMinute(requests.filter((r) => r.response.code === 0).map((r) => r.at));
  return {
    accepted: requests.filter((r) => r.response.code === 0).length,
    throttled: requests.filter((r) => r.response.status === 429).length,
    ratePerMin: rate.perMin,
    seconds: round(rate.seconds, 1),
    max1s: maxInWindow(times, 1000),
    max60s: maxInWindow(times, 60_000),
    firstAcceptedAt: rate.first,
    lastAcceptedAt: rate.last,
  };
}

/**
 * Requests per whole second since `origin` (ms; default the first request), for `seconds` slots (default: up to the
 * last request).
 */
export function perSecond(
  requests: RecordedRequest[],
  origin = Math.min(...requests.map((r) => r.at)),
  seconds?: number,
): number[] {
  const slots: number[] = Array.from({ length: seconds ?? 0 }, () => 0);
  for (const { at } of requests) {
    const slot = Math.floor((at - origin) / 1000);
    if (slot < 0 || (seconds !== undefined && slot >= seconds)) continue;
    while (slots.length <= slot) slots.push(0);
    slots[slot]! += 1;
  }
  return slots;
}
