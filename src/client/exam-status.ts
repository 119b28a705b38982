import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { ecoExamWorkflowId } from '../common/constants';
import { ExamStatusKey } from '../common/search-attributes';
import type { EcoExamResult, ExamStatusView } from '../common/types';
import { examStatus } from '../workflows/definitions';
import type { ecoExamWorkflow } from '../workflows/eco-exam-workflow';
import { ExamNotFoundError } from './errors';

/** The `examStatus` query; for an ended exam whose workers are gone, the workflow's result stands in. */
export async function getExamStatus(client: Client, examId: string): Promise<ExamStatusView> {
  const description = await describeExam(client, examId);
  const handle = client.workflow.getHandle(description.workflowId, description.runId);
  if (description.status.name === 'RUNNING') return handle.query(examStatus);
  try {
    return await handle.query(examStatus);
  } catch {
    const result: EcoExamResult | undefined =
      description.status.name === 'COMPLETED'
        ? await client.workflow.getHandle<typeof ecoExamWorkflow>(description.workflowId, description.runId).result()
        : undefined;
    return {
      examId,
      status: result?.status ?? 'failed',
      attempts: result?.attempts ?? 0,
      lastError: result?.error,
      invalidArrangements: 0,
      ...(result?.result && { result: result.result }),
    };
  }
}

/** The exam's workflow (its current run); ExamNotFoundError when there is none. */
export async function describeExam(client: Client, examId: string): Promise<WorkflowExecutionDescription> {
  try {
    return await client.workflow.getHandle(ecoExamWorkflowId(examId)).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ExamNotFoundError(examId);
    throw err;
  }
}

/** How an ended exam ended: its ExamStatus when it completed, else the execution status (terminated, failed…). */
export function endedAs(description: WorkflowExecutionDescription): string {
  const status = description.typedSearchAttributes.get(ExamStatusKey);
  return description.status.name === 'COMPLETED' && status ? status : description.status.name.toLowerCase();
}
