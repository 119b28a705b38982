/**
 * The ops CLI, `feishu-exam-bridge` (the package's `bin`; `npm run cli -- …` in a checkout):
 *
 *   arrange <examId>      the exam system's arrangement: the `arrangeExam` update with the login_info body
 *   result <examId>       the exam system's result: the `reportExamResult` update with the update_result body
 *   status <examId>       the `examStatus` query (never the password, never the score)
 *   list                  exams through Temporal visibility, optionally by ExamStatus and ExamResultStatus
 *
 * One module per command in commands/; program.ts holds what the commands share (global options, exit codes, error
 * reporting), context.ts the environment. Each command validates its environment once with zod (src/config).
 * Sending Feishu events to an ingest is the sandbox's job: `npm run sandbox:push-event` (sandbox/cli.ts).
 */
import { arrangeCommand, refuseInlinePassword } from './commands/arrange';
import { listCommand } from './commands/list';
import { resultCommand } from './commands/result';
import { statusCommand } from './commands/status';
import { SETTINGS_HELP, processIo, type CliIo } from './context';
import { runCliMain, runProgram, type ProgramSpec } from './program';

export { parseEnvFile, parseEnvSimple, type CliIo } from './context';
export { EXIT } from './errors';
export { exitAfterFlush } from './program';

const PROGRAM_HELP = `
${SETTINGS_HELP}
  arrange, result,        TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY or TEMPORAL_TLS_CERT/_KEY,
  status, list           PAYLOAD_ENCRYPTION_KEYS (required: the same keys as the worker and the ingest)

Exit codes:
  0  ok                           3  invalid arrangement or result (the message names the field and why)
  1  failure (e.g. unreachable)   4  exam not found
  2  usage or configuration       5  exam already ended (the message says how)
                                  6  exam already arranged (the first valid arrangement wins)
                                  7  the exam takes no result (the message says why)

Run "feishu-exam-bridge <command> --help" for a command's options.`;

const OPS_CLI: ProgramSpec = {
  name: 'feishu-exam-bridge',
  description:
    'Ops CLI of the Feishu Hire eco-exam bridge: arrange exams, report results, read their status, list them.',
  help: PROGRAM_HELP,
  commands: [arrangeCommand, resultCommand, statusCommand, listCommand],
  checkArgv: refuseInlinePassword,
};

/** Runs the ops CLI and returns the exit code instead of exiting, so tests run it in-process. */
export function runCli(argv: string[], io: CliIo): Promise<number> {
  return runProgram(OPS_CLI, argv, io);
}

/** The process entry, used by bin/feishu-exam-bridge.js and by `tsx src/cli/index.ts`. */
export function main(): Promise<number> {
  return runCli(process.argv.slice(2), processIo());
}

if (require.main === module) runCliMain(main);
