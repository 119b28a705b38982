/** Errors of the client helpers: what a caller (the ingest, the CLI, the exam system) can act on. */

export class InvalidArrangementError extends Error {
  constructor(readonly reason: string) {
    super(`invalid arrangement: ${reason}`);
    this.name = 'InvalidArrangementError';
  }
}

export class InvalidExamInputError extends Error {
  constructor(readonly reason: string) {
    super(`invalid exam: ${reason}`);
    this.name = 'InvalidExamInputError';
  }
}

export class ExamNotFoundError extends Error {
  constructor(readonly examId: string) {
    super(`no exam ${examId}: Feishu's 创建笔试 event for it has not been received`);
    this.name = 'ExamNotFoundError';
  }
}

/** The exam's workflow has ended: an arrangement can no longer be accepted. */
export class ExamClosedError extends Error {
  constructor(
    readonly examId: string,
    /** The ExamStatus it ended with (submitted, rejected, failed, expired), or the execution status if unknown. */
    readonly endedAs: string,
  ) {
    super(`exam ${examId} has already ended (${endedAs})`);
    this.name = 'ExamClosedError';
  }
}

/**
 * The exam has already taken an arrangement (the first valid one wins): this one was refused and not recorded. The
 * exam's status says where it is (`arranged` just accepted, `submitting`, `submitted`, `rejected`, `failed`).
 */
export class ExamAlreadyArrangedError extends Error {
  constructor(
    readonly examId: string,
    readonly status: string,
  ) {
    super(`exam ${examId} is already arranged (status ${status})`);
    this.name = 'ExamAlreadyArrangedError';
  }
}

/** The result (the update_result body) is invalid: which field and why, never the value. Nothing was taken. */
export class InvalidResultError extends Error {
  constructor(readonly reason: string) {
    super(`invalid result: ${reason}`);
    this.name = 'InvalidResultError';
  }
}

/**
 * The exam takes no (more) results: it ended without accepted login info (rejected, failed, expired), the customer
 * finished marking (Feishu 1002855: `locked`), or its result timeout or update window has passed. Nothing was taken.
 */
export class ExamResultRefusedError extends Error {
  constructor(
    readonly examId: string,
    /** Why, in the words of src/common/result-refusal.ts. */
    readonly reason: string,
    /** The exam's ExamResultStatus (or its ExamStatus when it never reached the result phase), when known. */
    readonly status?: string,
  ) {
    super(`exam ${examId} takes no result: ${reason}`);
    this.name = 'ExamResultRefusedError';
  }
}
