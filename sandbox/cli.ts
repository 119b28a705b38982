/**
 * The sandbox's CLI, `feishu-sandbox` (not part of the package): Feishu's side of a local run.
 *
 *   push-event            send a 创建笔试 event to an ingest, like Feishu (signed, encrypted)
 *   push-account-event    send an account-bound event (hire.eco_account.created_v1) to an ingest, like Feishu
 *
 * `npm run sandbox:push-event -- [options]` (or `sandbox:push-account-event`) in a checkout. Built like the ops CLI (src/cli/program.ts): the same
 * `--env-file` (default `.data/local.env`, which `npm start` writes), `--help`, exit codes and error reporting.
 * `runSandboxCli(argv, io)` returns the exit code instead of exiting, so tests run it in-process.
 */
import { SETTINGS_HELP, processIo, type CliIo } from '../src/cli/context';
import { runCliMain, runProgram, type ProgramSpec } from '../src/cli/program';
import { pushAccountEventCommand } from './push-account-event-command';
import { pushEventCommand } from './push-event-command';

const PROGRAM_HELP = `
${SETTINGS_HELP}
  push-event  FEISHU_VERIFICATION_TOKEN (required), FEISHU_ENCRYPT_KEY, INGEST_URL or INGEST_HOST/PORT,
              SANDBOX_URL (with --account-id: the sandbox holding the account's published papers)
  push-account-event  FEISHU_VERIFICATION_TOKEN (required), FEISHU_ENCRYPT_KEY, INGEST_URL or INGEST_HOST/PORT

Exit codes:
  0  ok
  1  failure (a delivery not acknowledged, the ingest or sandbox unreachable, no paper published)
  2  usage or configuration

Run "feishu-sandbox <command> --help" for a command's options.`;

const SANDBOX_CLI: ProgramSpec = {
  name: 'feishu-sandbox',
  description: "The Feishu sandbox's CLI: play Feishu's part against a local ingest.",
  help: PROGRAM_HELP,
  commands: [pushEventCommand, pushAccountEventCommand],
};

export function runSandboxCli(argv: string[], io: CliIo): Promise<number> {
  return runProgram(SANDBOX_CLI, argv, io);
}

if (require.main === module) runCliMain(() => runSandboxCli(process.argv.slice(2), processIo()));
