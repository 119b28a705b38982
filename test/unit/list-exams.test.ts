import type { Client } from '@temporalio/client';
import { examListQuery, listExams } from '../../src/client';
import type { ExamStatus } from '../../src/common/constants';

/** The list query's own checks; listing against the dev server is covered by test/e2e/cli.test.ts (`list`). */
describe('examListQuery / listExams', () => {
  it('queries exam workflows, optionally by ExamStatus', () => {
    expect(examListQuery()).toBe("WorkflowType = 'ecoExamWorkflow'");
    expect(examListQuery('submitted')).toBe("WorkflowType = 'ecoExamWorkflow' AND ExamStatus = 'submitted'");
  });

  it('refuses a status that is not an ExamStatus without echoing it (no query injection)', () => {
    const injected = "x' OR WorkflowType != '" as ExamStatus;
    expect(() => examListQuery(injected)).toThrow(RangeError);
    expect(() => examListQuery(injected)).toThrow(/^status: must be one of awaiting_arrangement, /);
    expect(() => examListQuery(injected)).not.toThrow(/OR WorkflowType/);
  });

  it('refuses a limit that is not a positive integer before touching Temporal', async () => {
    const client = {} as Client; // never used: the limit is checked first
    for (const limit of [0, -1, 1.5, Number.NaN]) {
      await expect(listExams(client, { limit })).rejects.toThrow('limit: must be a positive integer');
    }
  });
});
