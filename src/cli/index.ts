/**
 * The ops CLI, `feishu-exam-bridge` (the package's `bin`; `npm run cli -- …` in a checkout):
 *
 *   push-event            the Feishu sandbox sends a 创建笔试 event to an ingest, like Feishu (signed, encrypted)
 *   arrange <examId>      the exam system's arrangement: the `examArranged` signal with the login_info body
 *   status <examId>       the `examStatus` query (never the password)
 *   list                  exams through Temporal visibility, optionally by ExamStatus
 *
 * `runCli(argv, io)` returns the exit code instead of exiting, so tests run it in-process. Each command validates its
 * environment once with zod (src/config.ts). Settings come from the environment, over an optional dotenv file
 * (`--env-file`, default `.data/local.env`, which `npm start` writes). Passwords are read from stdin only, never from
 * an argument, and never printed.
 */
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as nodeUtil from 'node:util';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';
import {
  ExamAlreadyArrangedError,
  ExamClosedError,
  ExamNotFoundError,
  InvalidArrangementError,
  arrangeExam,
  getExamStatus,
} from '../client';
import { productDataConverter } from '../codec';
import { ConfigError, ingestConfigSchema, parseConfig, payloadKeysSchema, temporalTls } from '../config';
import { pushExamCreated, type Delivery, type PushResult } from '../sandbox/event-pusher';
import { EXAM_STATUSES, WORKFLOW_TYPE, ecoExamWorkflowId, type ExamStatus } from '../shared/constants';
import { describeZodError, examIdSchema, loginInfoBodySchema, type LoginInfoBody } from '../shared/schemas';
import { ExamIdKey, ExamStatusKey } from '../shared/search-attributes';
import type { ExamError, ExamStatusView } from '../shared/types';

/** The CLI's exit codes (also listed in `--help`). */
export const EXIT = {
  ok: 0,
  /** Anything else: Temporal or the ingest unreachable, a delivery not acknowledged, an unexpected error. */
  failure: 1,
  /** Usage or configuration: unknown command/option, bad argument, missing or bad environment variable. */
  usage: 2,
  invalidArrangement: 3,
  notFound: 4,
  examEnded: 5,
  /** The exam already took an arrangement (the first valid one wins); this one was refused. */
  alreadyArranged: 6,
} as const;

export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  /** Where the default `.data/local.env` is looked for and `--env-file` is resolved; default `process.cwd()`. */
  cwd?: string;
}

/** A failure the CLI reports with its own message and exit code. */
class CliError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** What every command gets: the I/O and the environment (loaded lazily, after the global options are parsed). */
interface Context {
  io: CliIo;
  env(): NodeJS.ProcessEnv;
  out(line: string): void;
  err(line: string): void;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const result = { exitCode: EXIT.ok as number };
  const program = buildProgram(io, (code) => (result.exitCode = code));
  try {
    refuseInlinePassword(argv);
    await program.parseAsync(argv, { from: 'user' });
    return result.exitCode;
  } catch (err) {
    return reportError(err, io);
  }
}

/** The process entry, used by bin/feishu-exam-bridge.js and by `tsx src/cli/index.ts`. */
export async function main(): Promise<number> {
  return runCli(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Program and commands
// ---------------------------------------------------------------------------------------------------------------

const PROGRAM_HELP = `
Settings come from the environment (see .env.example). --env-file loads a dotenv file underneath it (the real
environment wins); without it, .data/local.env in the current directory is loaded if it exists (npm start writes it).
  arrange, status, list  TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY or TEMPORAL_TLS_CERT/_KEY,
                         PAYLOAD_ENCRYPTION_KEYS (required: the same keys as the worker and the ingest)
  push-event             FEISHU_VERIFICATION_TOKEN (required), FEISHU_ENCRYPT_KEY, INGEST_URL or INGEST_HOST/PORT

Exit codes:
  0  ok                           3  invalid arrangement (the message names the field and why)
  1  failure (e.g. unreachable)   4  exam not found
  2  usage or configuration       5  exam already ended (the message says how)
                                  6  exam already arranged (the first valid arrangement wins)

Run "feishu-exam-bridge <command> --help" for a command's options.`;

function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command('feishu-exam-bridge')
    .description('Ops CLI of the Feishu Hire eco-exam bridge: push sandbox events, arrange exams, read their status.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--env-file <path>', 'load settings from this dotenv file, underneath the environment')
    .helpOption('-h, --help', 'show help')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (str, write) => write(str) })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', PROGRAM_HELP);
  const ctx: Context = {
    io,
    env: () => loadEnv(program.opts<{ envFile?: string }>().envFile, io),
    out: (line) => io.stdout(`${line}\n`),
    err: (line) => io.stderr(`${line}\n`),
  };
  const run =
    <A extends unknown[]>(fn: (ctx: Context, ...args: A) => Promise<number>) =>
    async (...args: A) =>
      setExitCode(await fn(ctx, ...args));
  addPushEvent(
    program,
    run((c, options: PushEventOptions) => pushEvent(c, options)),
  );
  addArrange(
    program,
    run((c, examId: string, options: ArrangeOptions) => arrange(c, examId, options)),
  );
  addStatus(
    program,
    run((c, examId: string, options: StatusOptions) => status(c, examId, options)),
  );
  addList(
    program,
    run((c, options: ListOptions) => list(c, options)),
  );
  return program;
}

const PUSH_EVENT_HELP = `
Exit 0 when every delivery was acknowledged (2xx); 1 when one was not (its answer is printed) or the ingest is
unreachable. The exam id, event id and workflow id are printed first.

Example:
  feishu-exam-bridge push-event --deliveries 3 --concurrent 2`;

const ARRANGE_HELP = `
The password is never taken as an argument (it would end up in shell history and process lists): pipe it in with
--password-stdin. It is encrypted (PAYLOAD_ENCRYPTION_KEYS) before it leaves this process and is never printed.

Exit codes: 0 arranged; 2 usage or configuration; 3 invalid arrangement (which field, why); 4 no such exam;
5 the exam has already ended (how it ended); 6 the exam is already arranged (this one was refused); 1 anything else.

Example:
  printf '%s' "$PASSWORD" | feishu-exam-bridge arrange 7147998241542539527 \\
    --url https://exam.example/t/1 --username cand --password-stdin`;

function addPushEvent(program: Command, action: (options: PushEventOptions) => Promise<void>): void {
  program
    .command('push-event')
    .summary('sandbox: send a 创建笔试 event to the ingest, like Feishu')
    .description(
      'Sandbox: send a hire.eco_exam.created_v1 (创建笔试) event to the ingest exactly as Feishu would — encrypted ' +
        'with FEISHU_ENCRYPT_KEY and signed (plain when unset), with FEISHU_VERIFICATION_TOKEN — and report each ' +
        "delivery's HTTP status and time. Redeliveries reuse the event id: the exam must still get one workflow.",
    )
    .option('--exam-id <id>', 'exam id (default: a fresh numeric id, 7 + 18 digits)', parseExamId)
    .option('--paper-id <id>', 'paper id (default: paper001, as in the docs)')
    .option('--account-id <id>', 'eco account id (default: the docs’ example)')
    .option('--tenant-key <key>', 'tenant_key of the event header (store apps use it to pick the tenant token)')
    .option('--candidate-name <name>', 'candidate name (default: the docs’ example candidate)')
    .option('--candidate-email <email>', 'candidate email')
    .option('--deliveries <n>', 'how many times to deliver the same event', parsePositiveInt, 1)
    .option(
      '--concurrent <n>',
      'how many of the deliveries go out at once (the rest follow one by one)',
      parsePositiveInt,
      1,
    )
    .option(
      '--ingest-url <url>',
      'the ingest (its /webhook/feishu is called); default INGEST_URL, else http://INGEST_HOST:INGEST_PORT',
      parseHttpUrl,
    )
    .addHelpText('after', PUSH_EVENT_HELP)
    .action(action);
}

function addArrange(program: Command, action: (examId: string, options: ArrangeOptions) => Promise<void>): void {
  program
    .command('arrange')
    .summary("deliver the exam system's arrangement (exam link, login) to an exam")
    .description(
      "Deliver the exam system's arrangement to the exam's workflow (the examArranged signal); the worker then " +
        'sends it to Feishu (POST /open-apis/hire/v1/eco_exams/:exam_id/login_info).',
    )
    .argument('<examId>', "Feishu's exam id (exam_id of the 创建笔试 event)", parseExamId)
    .requiredOption('--url <exam_url>', 'the exam link shown to the candidate (absolute http(s) URL)')
    .option('--username <username>', 'login username, when the link needs a login')
    .option('--password-stdin', 'read the login password from stdin (one trailing newline is removed)')
    .option('--result <n>', 'the login_info "result" field (an integer)', parseInteger)
    .option('--msg <msg>', 'the login_info "msg" field')
    .addHelpText('after', ARRANGE_HELP)
    .action(action);
}

function addStatus(program: Command, action: (examId: string, options: StatusOptions) => Promise<void>): void {
  program
    .command('status')
    .summary("show an exam's status")
    .description("Show an exam's status (the examStatus query): attempts, last error with Feishu's code and log id.")
    .argument('<examId>', "Feishu's exam id", parseExamId)
    .option('--json', 'print the status as JSON')
    .addHelpText('after', '\nExit 0 when found, 4 when there is no such exam. The password is never shown.')
    .action(action);
}

function addList(program: Command, action: (options: ListOptions) => Promise<void>): void {
  program
    .command('list')
    .summary('list exams, optionally by status')
    .description(`List exams through Temporal visibility (WorkflowType = '${WORKFLOW_TYPE}'), newest first.`)
    .addOption(new Option('--status <status>', 'only exams with this ExamStatus').choices(EXAM_STATUSES))
    .option('--limit <n>', 'at most this many exams', parsePositiveInt, 50)
    .option('--json', 'print the exams as JSON')
    .addHelpText('after', '\nExample:\n  feishu-exam-bridge list --status awaiting_arrangement')
    .action(action);
}

// ---------------------------------------------------------------------------------------------------------------
// push-event
// ---------------------------------------------------------------------------------------------------------------

interface PushEventOptions {
  examId?: string;
  paperId?: string;
  accountId?: string;
  tenantKey?: string;
  candidateName?: string;
  candidateEmail?: string;
  deliveries: number;
  concurrent: number;
  ingestUrl?: string;
}

const optionalHttpUrl = (name: string) =>
  z
    .string()
    .optional()
    .transform((value) => (value === undefined || value.trim() === '' ? undefined : value))
    .refine((value) => value === undefined || isHttpUrl(value), `${name} must be an absolute http(s) URL`);

const pushConfigSchema = ingestConfigSchema
  .pick({ FEISHU_VERIFICATION_TOKEN: true, FEISHU_ENCRYPT_KEY: true, INGEST_HOST: true, INGEST_PORT: true })
  .extend({ INGEST_URL: optionalHttpUrl('INGEST_URL') });
type PushConfig = z.infer<typeof pushConfigSchema>;

/** How long one delivery may take before the ingest counts as unreachable. */
const DELIVERY_TIMEOUT_MS = 10_000;

async function pushEvent(ctx: Context, options: PushEventOptions): Promise<number> {
  const config = parseConfig(pushConfigSchema, ctx.env());
  const webhookUrl = webhookUrlOf(options.ingestUrl ?? config.INGEST_URL ?? listenUrl(config));
  const examId = options.examId ?? freshExamId();
  const candidate = candidateOf(options);
  let result: PushResult;
  try {
    result = await pushExamCreated({
      webhookUrl,
      verificationToken: config.FEISHU_VERIFICATION_TOKEN,
      encryptKey: config.FEISHU_ENCRYPT_KEY,
      examId,
      paperId: options.paperId,
      accountId: options.accountId,
      tenantKey: options.tenantKey,
      ...(candidate && { candidate }),
      deliveries: options.deliveries,
      concurrent: options.concurrent,
      fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) }),
    });
  } catch (err) {
    throw new CliError(
      EXIT.failure,
      `cannot reach the ingest at ${webhookUrl} (${networkReason(err)}): is it running (npm run ingest, npm start)? ` +
        'Point at it with --ingest-url or INGEST_URL.',
    );
  }
  return reportDeliveries(ctx, result);
}

function reportDeliveries(ctx: Context, result: PushResult): number {
  ctx.out(`exam ${result.examId} (workflow ${ecoExamWorkflowId(result.examId)})`);
  ctx.out(`event ${result.eventId}`);
  const failed = result.deliveries.filter((delivery) => !isOk(delivery));
  result.deliveries.forEach((delivery, i) => {
    const line = `delivery ${i + 1}: ${delivery.status} in ${delivery.ms.toFixed(0)} ms`;
    ctx.out(isOk(delivery) ? line : `${line}: ${truncate(delivery.body, 500)}`);
  });
  if (failed.length > 0) {
    ctx.err(`error: ${failed.length} of ${result.deliveries.length} deliveries were not acknowledged (2xx)`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

const isOk = (delivery: Delivery): boolean => delivery.status >= 200 && delivery.status < 300;

/** The base URL of an ingest gets `/webhook/feishu`; a URL that already ends with it is kept. */
function webhookUrlOf(ingestUrl: string): string {
  const trimmed = ingestUrl.replace(/\/+$/, '');
  return trimmed.endsWith('/webhook/feishu') ? trimmed : `${trimmed}/webhook/feishu`;
}

/** http://INGEST_HOST:INGEST_PORT, with a wildcard listen address replaced by loopback. */
function listenUrl(config: PushConfig): string {
  const host =
    config.INGEST_HOST === '0.0.0.0' ? '127.0.0.1' : config.INGEST_HOST === '::' ? '::1' : config.INGEST_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.INGEST_PORT}`;
}

/** Feishu's exam ids are 19-digit numbers; `7` + 18 random digits looks like one and will not collide in practice. */
function freshExamId(): string {
  return `7${Array.from({ length: 18 }, () => randomInt(10)).join('')}`;
}

function candidateOf(options: PushEventOptions): { name?: string; email?: string } | undefined {
  if (options.candidateName === undefined && options.candidateEmail === undefined) return undefined;
  return {
    ...(options.candidateName !== undefined && { name: options.candidateName }),
    ...(options.candidateEmail !== undefined && { email: options.candidateEmail }),
  };
}

/** Why a fetch failed, from its cause (ECONNREFUSED, ENOTFOUND, …) or the timeout. */
function networkReason(err: unknown): string {
  if (fieldOf(err, 'name') === 'TimeoutError') return `no answer within ${DELIVERY_TIMEOUT_MS / 1000} s`;
  const cause: unknown = fieldOf(err, 'cause');
  const code = fieldOf(cause, 'code');
  if (typeof code === 'string') return code;
  return cause === undefined ? messageOf(err) : messageOf(cause);
}

/**
 * Errors are read by shape, not `instanceof Error`: fetch's errors come from Node's own realm, which is not the
 * caller's under a test runner's VM context.
 */
function fieldOf(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function messageOf(err: unknown): string {
  const message = fieldOf(err, 'message');
  return typeof message === 'string' ? message : String(err);
}

// ---------------------------------------------------------------------------------------------------------------
// arrange, status, list (Temporal)
// ---------------------------------------------------------------------------------------------------------------

const temporalConfigSchema = ingestConfigSchema
  .pick({
    TEMPORAL_ADDRESS: true,
    TEMPORAL_NAMESPACE: true,
    TEMPORAL_TASK_QUEUE: true,
    TEMPORAL_API_KEY: true,
    TEMPORAL_TLS_CERT: true,
    TEMPORAL_TLS_KEY: true,
  })
  .extend({ PAYLOAD_ENCRYPTION_KEYS: payloadKeysSchema });
type CliTemporalConfig = z.infer<typeof temporalConfigSchema>;

/** Connects (failing fast with a clear message), runs `fn` with a client of the product's codec, always closes. */
async function withTemporal<T>(config: CliTemporalConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const tls = temporalTls(config);
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address: config.TEMPORAL_ADDRESS,
      ...(tls && { tls }),
      ...(config.TEMPORAL_API_KEY && { apiKey: config.TEMPORAL_API_KEY }),
      connectTimeout: '10s',
    });
  } catch (err) {
    throw new CliError(EXIT.failure, `cannot reach Temporal at ${config.TEMPORAL_ADDRESS}: ${messageOf(err)}`);
  }
  try {
    const dataConverter = productDataConverter(config.PAYLOAD_ENCRYPTION_KEYS);
    return await fn(new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter }));
  } finally {
    await connection.close();
  }
}

interface ArrangeOptions {
  url: string;
  username?: string;
  passwordStdin?: boolean;
  result?: number;
  msg?: string;
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

interface StatusOptions {
  json?: boolean;
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

interface ListOptions {
  status?: ExamStatus;
  limit: number;
  json?: boolean;
}

interface ExamRow {
  examId: string;
  examStatus: string;
  executionStatus: string;
  startTime: string;
  workflowId: string;
  runId: string;
}

async function list(ctx: Context, options: ListOptions): Promise<number> {
  const config = parseConfig(temporalConfigSchema, ctx.env());
  const query = `WorkflowType = '${WORKFLOW_TYPE}'${options.status ? ` AND ExamStatus = '${options.status}'` : ''}`;
  // One more than asked, to know whether there are more.
  const rows = await withTemporal(config, (client) => listExams(client, query, options.limit + 1));
  const more = rows.length > options.limit;
  const shown = rows.slice(0, options.limit);
  if (options.json) ctx.out(JSON.stringify(shown, null, 2));
  else for (const line of formatTable(shown, query)) ctx.out(line);
  if (more) ctx.err(`(showing the first ${options.limit}; raise --limit to see more)`);
  return EXIT.ok;
}

async function listExams(client: Client, query: string, max: number): Promise<ExamRow[]> {
  const rows: ExamRow[] = [];
  for await (const execution of client.workflow.list({ query, pageSize: Math.min(max, 1000) })) {
    rows.push(examRow(execution));
    if (rows.length >= max) break;
  }
  return rows;
}

function examRow(execution: WorkflowExecutionInfo): ExamRow {
  const attributes = execution.typedSearchAttributes;
  return {
    examId: attributes.get(ExamIdKey) ?? execution.workflowId.replace(ecoExamWorkflowId(''), ''),
    examStatus: attributes.get(ExamStatusKey) ?? '-',
    executionStatus: execution.status.name,
    startTime: execution.startTime.toISOString(),
    workflowId: execution.workflowId,
    runId: execution.runId,
  };
}

function formatTable(rows: ExamRow[], query: string): string[] {
  if (rows.length === 0) return [`no exams match ${query}`];
  const table = [
    ['EXAM ID', 'STATUS', 'EXECUTION', 'STARTED'],
    ...rows.map((row) => [row.examId, row.examStatus, row.executionStatus, row.startTime]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...table.map((cells) => (cells[i] ?? '').length)));
  return table.map((cells) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Errors and exit codes
// ---------------------------------------------------------------------------------------------------------------

/** Prints what went wrong (commander has already printed its own errors and help) and returns the exit code. */
function reportError(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  const [code, message] = classify(err);
  io.stderr(`${message}\n`);
  return code;
}

function classify(err: unknown): [number, string] {
  if (err instanceof ConfigError) return [EXIT.usage, err.message];
  if (err instanceof CliError) return [err.exitCode, `error: ${err.message}`];
  if (err instanceof InvalidArrangementError) return [EXIT.invalidArrangement, `error: ${err.message}`];
  if (err instanceof ExamNotFoundError) return [EXIT.notFound, `error: ${err.message}`];
  if (err instanceof ExamClosedError) return [EXIT.examEnded, `error: ${err.message}`];
  if (err instanceof ExamAlreadyArrangedError) return [EXIT.alreadyArranged, `error: ${err.message}`];
  return [EXIT.failure, `error: ${messageOf(err)}`];
}

// ---------------------------------------------------------------------------------------------------------------
// Arguments, environment, small helpers
// ---------------------------------------------------------------------------------------------------------------

/**
 * `--password[=…]` is refused before commander sees it: commander's "unknown option" message would echo
 * `--password=<the password>`.
 */
function refuseInlinePassword(argv: string[]): void {
  if (argv.some((arg) => arg === '--password' || arg.startsWith('--password='))) {
    throw new CliError(
      EXIT.usage,
      'a password is never taken as an argument (shell history, process lists): pipe it in with --password-stdin',
    );
  }
}

function parseExamId(value: string): string {
  const parsed = examIdSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
}

function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('must be an integer');
  return Number(value);
}

function parsePositiveInt(value: string): number {
  const n = parseInteger(value);
  if (n < 1) throw new InvalidArgumentError('must be at least 1');
  return n;
}

function parseHttpUrl(value: string): string {
  if (!isHttpUrl(value)) throw new InvalidArgumentError('must be an absolute http(s) URL');
  return value;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The environment over the dotenv file: `--env-file`, else `.data/local.env` if it exists; the real env wins. */
function loadEnv(envFile: string | undefined, io: CliIo): NodeJS.ProcessEnv {
  const cwd = io.cwd ?? process.cwd();
  const fallback = join(cwd, '.data', 'local.env');
  const path = envFile !== undefined ? resolve(cwd, envFile) : existsSync(fallback) ? fallback : undefined;
  if (path === undefined) return io.env;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(EXIT.usage, `--env-file ${path}: cannot read it (${(err as NodeJS.ErrnoException).code})`);
  }
  const real = Object.entries(io.env).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return { ...parseEnvFile(text), ...Object.fromEntries(real) };
}

/** dotenv text → variables: node:util's parseEnv (Node ≥ 20.12), else the small parser below. */
export function parseEnvFile(text: string): Record<string, string> {
  const native = (nodeUtil as { parseEnv?: (content: string) => NodeJS.Dict<string> }).parseEnv;
  if (native === undefined) return parseEnvSimple(text);
  return Object.fromEntries(
    Object.entries(native(text)).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** `KEY=VALUE` lines; `#` comments, `export ` prefixes and single or double quotes are understood. */
export function parseEnvSimple(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match?.[1]) continue;
    vars[match[1]] = unquote(match[2] ?? '');
  }
  return vars;
}

function unquote(value: string): string {
  const quoted = /^(["'`])(.*)\1$/.exec(value);
  if (quoted) return quoted[1] === '"' ? (quoted[2] ?? '').replace(/\\n/g, '\n') : (quoted[2] ?? '');
  return value.replace(/\s+#.*$/, '');
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** The package's version, read at run time (src/cli and dist/cli are both two levels below package.json). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Exits once stdout and stderr have flushed (pipes are asynchronous on some platforms: no truncated output). */
export function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

if (require.main === module) {
  void main().then(exitAfterFlush, (err: unknown) => {
    process.stderr.write(`error: ${messageOf(err)}\n`);
    exitAfterFlush(EXIT.failure);
  });
}
