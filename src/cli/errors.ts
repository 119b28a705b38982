/** The CLI's exit codes (also listed in `--help`). */
export const EXIT = {
  ok: 0,
  /** Anything else: Temporal or the ingest unreachable, a delivery not acknowledged, an unexpected error. */
  failure: 1,
  /** Usage or configuration: unknown command/option, bad argument, missing or bad environment variable. */
  usage: 2,
  /** An invalid arrangement or result: the message names the field and why. */
  invalidArrangement: 3,
  notFound: 4,
  examEnded: 5,
  /** The exam already took an arrangement (the first valid one wins); this one was refused. */
  alreadyArranged: 6,
  /** The exam takes no result (ended without accepted login info, marking finished, timeout or window passed). */
  resultRefused: 7,
} as const;

/** A failure the CLI reports with its own message and exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/**
 * Errors are read by shape, not `instanceof Error`: fetch's errors come from Node's own realm, which is not the
 * caller's under a test runner's VM context.
 */
export function fieldOf(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

export function messageOf(err: unknown): string {
  const message = fieldOf(err, 'message');
  return typeof message === 'string' ? message : String(err);
}
