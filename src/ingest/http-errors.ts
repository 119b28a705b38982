/**
 * THE status table of the ingest: every failure a request can meet, by kind, with its HTTP status. Routes throw
 * `HttpProblem(kind, message)`; the app's error handler answers `{ error: kind, message, ...details }`.
 * Messages say which field and why; they never echo secrets or bodies.
 */
export const PROBLEM_STATUS = {
  /** The body is not JSON, not decryptable, or lacks required fields. */
  malformed: 400,
  /** A field is present but invalid (which field and why in the message). */
  invalid: 400,
  /** Bad or missing signature, verification token or bearer secret. */
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  /** The exam has already ended; the message says how. */
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  /** Something in the ingest itself broke (a bug): 500 so that Feishu redelivers. */
  internal: 500,
  /** Temporal is unreachable: 503 so that Feishu redelivers later. The only 5xx an event sees while Temporal is up: none. */
  temporal_unavailable: 503,
} as const;

export type ProblemKind = keyof typeof PROBLEM_STATUS;

/** How a refusal is logged: `logReason` (log only, never answered) replaces the message; `warn` makes it visible. */
export interface ProblemLogging {
  logReason?: string;
  warn?: boolean;
}

export class HttpProblem extends Error {
  constructor(
    readonly kind: ProblemKind,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly logging: ProblemLogging = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
  }

  get status(): number {
    return PROBLEM_STATUS[this.kind];
  }
}

/** gRPC codes that mean "Temporal is not reachable right now" (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED). */
const UNREACHABLE_GRPC_CODES = new Set([14, 4, 1]);

/** True when `err` (or a cause) says Temporal could not be reached, as opposed to Temporal answering. */
export function isTemporalUnavailable(err: unknown): boolean {
  for (let current: unknown = err, depth = 0; current instanceof Error && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number' && UNREACHABLE_GRPC_CODES.has(code)) return true;
    if (/UNAVAILABLE|DEADLINE_EXCEEDED|ECONNREFUSED|Failed to connect/i.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}
