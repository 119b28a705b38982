/** `list`: exams through Temporal visibility, optionally by ExamStatus and ExamResultStatus, as a table or JSON. */
import { Option, type Command } from 'commander';
import { listExams, type ExamListing } from '../../client';
import { parseConfig } from '../../config';
import {
  EXAM_RESULT_STATUSES,
  EXAM_STATUSES,
  WORKFLOW_TYPE,
  type ExamResultStatus,
  type ExamStatus,
} from '../../common/constants';
import { parsePositiveInt } from '../args';
import type { Context } from '../context';
import { EXIT } from '../errors';
import type { Action } from '../program';
import { temporalConfigSchema, withTemporal } from '../temporal';

interface ListOptions {
  status?: ExamStatus;
  resultStatus?: ExamResultStatus;
  limit: number;
  json?: boolean;
}

/** A listed exam as printed: the start time as ISO text, '-' for a missing ExamStatus or ExamResultStatus. */
interface ExamRow {
  examId: string;
  examStatus: string;
  resultStatus: string;
  executionStatus: string;
  startTime: string;
  workflowId: string;
  runId: string;
}

export function listCommand(program: Command, action: Action): void {
  program
    .command('list')
    .summary('list exams, optionally by status and result status')
    .description(`List exams through Temporal visibility (WorkflowType = '${WORKFLOW_TYPE}'), newest first.`)
    .addOption(new Option('--status <status>', 'only exams with this ExamStatus').choices(EXAM_STATUSES))
    .addOption(
      new Option('--result-status <status>', 'only exams with this ExamResultStatus').choices(EXAM_RESULT_STATUSES),
    )
    .option('--limit <n>', 'at most this many exams', parsePositiveInt, 50)
    .option('--json', 'print the exams as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  feishu-exam-bridge list --status awaiting_arrangement\n' +
        '  feishu-exam-bridge list --status submitted --result-status locked',
    )
    .action(action(list));
}

async function list(ctx: Context, options: ListOptions): Promise<number> {
  const config = parseConfig(temporalConfigSchema, ctx.env());
  const { query, exams, more } = await withTemporal(config, (client) =>
    listExams(client, { status: options.status, resultStatus: options.resultStatus, limit: options.limit }),
  );
  const rows = exams.map(examRow);
  if (options.json) ctx.out(JSON.stringify(rows, null, 2));
  else for (const line of formatTable(rows, query)) ctx.out(line);
  if (more) ctx.err(`(showing the first ${options.limit}; raise --limit to see more)`);
  return EXIT.ok;
}

function examRow(exam: ExamListing): ExamRow {
  return {
    examId: exam.examId,
    examStatus: exam.examStatus ?? '-',
    resultStatus: exam.resultStatus ?? '-',
    executionStatus: exam.executionStatus,
    startTime: exam.startTime.toISOString(),
    workflowId: exam.workflowId,
    runId: exam.runId,
  };
}

function formatTable(rows: ExamRow[], query: string): string[] {
  if (rows.length === 0) return [`no exams match ${query}`];
  const table = [
    ['EXAM ID', 'STATUS', 'RESULT', 'EXECUTION', 'STARTED'],
    ...rows.map((row) => [row.examId, row.examStatus, row.resultStatus, row.executionStatus, row.startTime]),
  ];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...table.map((cells) => (cells[i] ?? '').length)));
  return table.map((cells) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}
