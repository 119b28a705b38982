import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import {
  EXAM_RESULT_STATUSES,
  EXAM_STATUSES,
  WORKFLOW_TYPE,
  ecoExamWorkflowId,
  type ExamResultStatus,
  type ExamStatus,
} from '../common/constants';
import { ExamIdKey, ExamResultStatusKey, ExamStatusKey } from '../common/search-attributes';

/** One exam as Temporal visibility lists it: ids and statuses only (the search attributes hold nothing secret). */
export interface ExamListing {
  examId: string;
  /** The ExamStatus search attribute; undefined if the workflow has none. */
  examStatus?: string;
  /** The ExamResultStatus search attribute; undefined until login info is accepted (or with no result phase). */
  resultStatus?: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, TERMINATED, TIMED_OUT, ... */
  executionStatus: string;
  startTime: Date;
  workflowId: string;
  runId: string;
}

export interface ListExamsOptions {
  /** Only exams with this ExamStatus. */
  status?: ExamStatus;
  /** Only exams with this ExamResultStatus (combinable with `status`). */
  resultStatus?: ExamResultStatus;
  /** At most this many exams (a positive integer); default 50. */
  limit?: number;
}

export interface ExamList {
  /** The visibility query that was run. */
  query: string;
  /** Newest first, at most `limit`. */
  exams: ExamListing[];
  /** True when more exams match than `limit`. */
  more: boolean;
}

const DEFAULT_LIMIT = 50;
const MAX_PAGE_SIZE = 1000;

/**
 * The visibility query of exam workflows, optionally by ExamStatus and by ExamResultStatus. Throws RangeError for a
 * value that is not one of the statuses (never echoing it: no query injection).
 */
export function examListQuery(status?: ExamStatus, resultStatus?: ExamResultStatus): string {
  if (status !== undefined && !(EXAM_STATUSES as readonly string[]).includes(status)) {
    throw new RangeError(`status: must be one of ${EXAM_STATUSES.join(', ')}`);
  }
  if (resultStatus !== undefined && !(EXAM_RESULT_STATUSES as readonly string[]).includes(resultStatus)) {
    throw new RangeError(`resultStatus: must be one of ${EXAM_RESULT_STATUSES.join(', ')}`);
  }
  return [
    `WorkflowType = '${WORKFLOW_TYPE}'`,
    ...(status ? [`${ExamStatusKey.name} = '${status}'`] : []),
    ...(resultStatus ? [`${ExamResultStatusKey.name} = '${resultStatus}'`] : []),
  ].join(' AND ');
}

/** Exams through Temporal visibility (eventually consistent: a just-changed status may show a moment later). */
export async function listExams(client: Client, options: ListExamsOptions = {}): Promise<ExamList> {
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError('limit: must be a positive integer');
  const query = examListQuery(options.status, options.resultStatus);
  // One more than asked, to know whether there are more.
  const max = limit + 1;
  const exams: ExamListing[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: Math.min(max, MAX_PAGE_SIZE) })) {
    exams.push(examListing(execution));
    if (exams.length >= max) break;
  }
  return { query, exams: exams.slice(0, limit), more: exams.length > limit };
}

function examListing(execution: WorkflowExecutionInfo): ExamListing {
  const attributes = execution.typedSearchAttributes;
  return {
    examId: attributes.get(ExamIdKey) ?? execution.workflowId.replace(ecoExamWorkflowId(''), ''),
    examStatus: attributes.get(ExamStatusKey),
    resultStatus: attributes.get(ExamResultStatusKey),
    executionStatus: execution.status.name,
    startTime: execution.startTime,
    workflowId: execution.workflowId,
    runId: execution.runId,
  };
}
