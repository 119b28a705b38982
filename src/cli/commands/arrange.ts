/**
 * `arrange <examId>`: the exam system's arrangement, delivered as the `arrangeExam` update with the login_info body (the workflow answers: accepted, or refused because an arrangement was already taken).
 * The password is read from stdin only, never from an argument, and never printed.
 */
import type { Command } from 'commander';
import { InvalidArrangementError, arrangeExam } from '../../client';
import { parseConfig } from '../../config';
import { describeZodError, loginInfoBodySchema, type LoginInfoBody } from '../../common/schemas';
import { parseExamId, parseInteger } from '../args';
import type { CliIo, Context } from '../context';
import { CliError, EXIT } from '../errors';
import type { Action } from '../program';
import { temporalConfigSchema, withTemporal } from '../temporal';

const ARRANGE_HELP = `
The password is never taken as an argument (it would end up in shell history and process lists): pipe it in with
--password-stdin. It is encrypted (PAYLOAD_ENCRYPTION_KEYS) before it leaves this process and is never printed.

Exit codes: 0 arranged; 2 usage or configuration; 3 invalid arrangement (which field, why); 4 no such exam;
5 the exam has already ended (how it ended); 6 the exam is already arranged (this one was refused); 1 anything else.

Example:
  printf '%s' "$PASSWORD" | feishu-exam-bridge arrange 7147998241542539527 \\
    --url https://exam.example/t/1 --username cand --password-stdin`;

interface ArrangeOptions {
  url: string;
  username?: string;
  passwordStdin?: boolean;
  result?: number;
  msg?: string;
}

export function arrangeCommand(program: Command, action: Action): void {
  program
    .command('arrange')
    .summary("deliver the exam system's arrangement (exam link, login) to an exam")
    .description(
      "Deliver the exam system's arrangement to the exam's workflow (the arrangeExam update; the first valid one wins); the worker then " +
        'sends it to Feishu (POST /open-apis/hire/v1/eco_exams/:exam_id/login_info).',
    )
    .argument('<examId>', "Feishu's exam id (exam_id of the 创建笔试 event)", parseExamId)
    .requiredOption('--url <exam_url>', 'the exam link shown to the candidate (absolute http(s) URL)')
    .option('--username <username>', 'login username, when the link needs a login')
    .option('--password-stdin', 'read the login password from stdin (one trailing newline is removed)')
    .option('--result <n>', 'the login_info "result" field (an integer)', parseInteger)
    .option('--msg <msg>', 'the login_info "msg" field')
    .addHelpText('after', ARRANGE_HELP)
    .action(action(arrange));
}

async function arrange(ctx: Context, examId: string, options: ArrangeOptions): Promise<number> {
  const config = parseConfig(temporalConfigSchema, ctx.env());
  const password = options.passwordStdin ? await readPassword(ctx.io) : undefined;
  const body = loginInfoBody(options, password);
  const arranged = await withTemporal(config, (client) => arrangeExam(client, examId, body));
  ctx.out(`arranged ${examId} (workflow ${arranged.workflowId}, run ${arranged.runId})`);
  return EXIT.ok;
}

/** The login_info body, validated here (before any connection) with the schema the workflow and Feishu client use. */
function loginInfoBody(options: ArrangeOptions, password: string | undefined): LoginInfoBody {
  const body = {
    ...(options.result !== undefined && { result: options.result }),
    ...(options.msg !== undefined && { msg: options.msg }),
    exam_login_info: {
      exam_url: options.url,
      ...(options.username !== undefined && { username: options.username }),
      ...(password !== undefined && { password }),
    },
  };
  const parsed = loginInfoBodySchema.safeParse(body);
  if (!parsed.success) throw new InvalidArrangementError(describeZodError(parsed.error));
  return parsed.data;
}

async function readPassword(io: CliIo): Promise<string> {
  if ((io.stdin as { isTTY?: boolean }).isTTY) io.stderr('password (end with Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password === '') throw new CliError(EXIT.usage, '--password-stdin: nothing was read from stdin');
  return password;
}

/**
 * `--password[=…]` is refused before commander sees it: commander's "unknown option" message would echo
 * `--password=<the password>`.
 */
export function refuseInlinePassword(argv: string[]): void {
  if (argv.some((arg) => arg === '--password' || arg.startsWith('--password='))) {
    throw new CliError(
      EXIT.usage,
      'a password is never taken as an argument (shell history, process lists): pipe it in with --password-stdin',
    );
  }
}
