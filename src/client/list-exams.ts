import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { EXAM_STATUSES, WORKFLOW_TYPE, ecoExamWorkflowId, type ExamStatus } from '../shared/constants';
import { ExamIdKey, ExamStatusKey } from '../shared/search-attributes';

/** One exam as Temporal visibility lists it: ids and statuses only (the search attributes hold nothing secret). */
export interface ExamListing {
  examId: string;
  /** The ExamStatus search attribute; undefined if the workflow has none. */
  examStatus?: string;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, TERMINATED, TIMED_OUT, ... */
  executionStatus: string;
  startTime: Date;
  workflowId: string;
  runId: string;
}

export interface ListExamsOptions {
  /** Only exams with this ExamStatus. */
  status?: ExamStatus;
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

/** The visibility query of exam workflows, optionally by ExamStatus. Throws RangeError for an unknown status. */
export function examListQuery(status?: ExamStatus): string {
  if (status !== undefined && !(EXAM_STATUSES as readonly string[]).includes(status)) {
    throw new RangeError(`status: must be one of ${EXAM_STATUSES.join(', ')}`);
  }
  return `WorkflowType = '${WORKFLOW_TYPE}'${status ? ` AND ExamStatus = '${status}'` : ''}`;
}

/** Exams through Temporal visibility (eventually consistent: a just-changed status may show a moment later). */
export async function listExams(client: Client, options: ListExamsOptions = {}): Promise<ExamList> {
  const limit = options.limit ?? DEFAULT_LIMIT;
  if (!(Number.isInteger(limit) && limit > 0)) throw new RangeError('limit: must be a positive integer');
  const query = examListQuery(options.status);
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
    executionStatus: execution.status.name,
    startTime: execution.startTime,
    workflowId: execution.workflowId,
    runId: execution.runId,
  };
}
