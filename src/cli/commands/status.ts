/** `status <examId>`: the `examStatus` query, as aligned lines or JSON (never the password, never the score). */
import type { Command } from 'commander';
import { getExamStatus } from '../../client';
import { parseConfig } from '../../config';
import { ecoExamWorkflowId } from '../../common/constants';
import type { ExamError, ExamStatusView } from '../../common/types';
import { parseExamId } from '../args';
import type { Context } from '../context';
import { EXIT } from '../errors';
import type { Action } from '../program';
import { temporalConfigSchema, withTemporal } from '../temporal';

interface StatusOptions {
  json?: boolean;
}

export function statusCommand(program: Command, action: Action): void {
  program
    .command('status')
    .summary("show an exam's status")
    .description("Show an exam's status (the examStatus query): attempts, last error with Feishu's code and log id.")
    .argument('<examId>', "Feishu's exam id", parseExamId)
    .option('--json', 'print the status as JSON')
    .addHelpText('after', '\nExit 0 when found, 4 when there is no such exam. The password is never shown.')
    .action(action(status));
}

async function status(ctx: Context, examId: string, options: StatusOptions): Promise<number> {
  const config = parseConfig(temporalConfigSchema, ctx.env());
  const view = await withTemporal(config, (client) => getExamStatus(client, examId));
  if (options.json) ctx.out(JSON.stringify(view, null, 2));
  else for (const line of formatStatus(view)) ctx.out(line);
  return EXIT.ok;
}

function formatStatus(view: ExamStatusView): string[] {
  const rows: Array<[string, string | number | boolean | undefined]> = [
    ['exam', view.examId],
    ['workflow', ecoExamWorkflowId(view.examId)],
    ['status', view.status],
    ['attempts', view.attempts],
    ['last error', view.lastError && formatError(view.lastError)],
    ['invalid arrangements', view.invalidArrangements || undefined],
    ['credentials', view.hasCredentials === undefined ? undefined : view.hasCredentials ? 'yes (hidden)' : 'no'],
    ['exam system notified', view.examSystemNotified],
    ['deadline', view.arrangementDeadline],
    ['arranged at', view.arrangedAt],
    ['submitted at', view.submittedAt],
    ['paper', view.paperId],
    ['account', view.accountId],
    ['tenant', view.tenantKey],
    // The result phase: its status and progress, never the score or its details.
    ['result', view.result && `${view.result.status}${view.result.pending ? ' (a newer result is pending)' : ''}`],
    ['result attempts', view.result?.attempts],
    ['results accepted', view.result?.updates],
    ['result error', view.result?.lastError && formatError(view.result.lastError)],
    ['result submitted at', view.result?.submittedAt],
  ];
  const shown = rows.filter((row): row is [string, string | number | boolean] => row[1] !== undefined);
  const width = Math.max(...shown.map(([name]) => name.length));
  return shown.map(([name, value]) => `${name.padEnd(width)}  ${String(value)}`);
}

function formatError(error: ExamError): string {
  const facts = [
    error.code !== undefined && `code ${error.code}`,
    error.logId && `log id ${error.logId}`,
    error.attempt !== undefined && `attempt ${error.attempt}`,
  ].filter(Boolean);
  return `${error.type}${facts.length > 0 ? ` (${facts.join(', ')})` : ''}: ${error.message}`;
}
