/**
 * The sandbox's `push-event` command: Feishu's `hire.eco_exam.created_v1` (创建笔试) sent to an ingest exactly as
 * Feishu would — encrypted with FEISHU_ENCRYPT_KEY and signed (plain when unset), with FEISHU_VERIFICATION_TOKEN —
 * reporting each delivery's HTTP status and time. Settings come from the environment over `.data/local.env`.
 */
import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { z } from 'zod';
import { parseExamId, parseHttpUrl, parsePositiveInt } from '../src/cli/args';
import type { Context } from '../src/cli/context';
import { CliError, EXIT, fieldOf, messageOf } from '../src/cli/errors';
import type { Action } from '../src/cli/program';
import { ingestConfigSchema, optionalHttpUrl, parseConfig } from '../src/config';
import { httpOrigin } from '../src/shared/listen';
import { ecoExamWorkflowId } from '../src/shared/constants';
import { pushExamCreated, type Delivery, type PushResult } from './event-pusher';

const PUSH_EVENT_HELP = `
Exit 0 when every delivery was acknowledged (2xx); 1 when one was not (its answer is printed) or the ingest is
unreachable. The exam id, event id and workflow id are printed first.

Example:
  npm run sandbox:push-event -- --deliveries 3 --concurrent 2`;

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

export function pushEventCommand(program: Command, action: Action): void {
  program
    .command('push-event')
    .summary('send a 创建笔试 event to the ingest, like Feishu')
    .description(
      'Send a hire.eco_exam.created_v1 (创建笔试) event to the ingest exactly as Feishu would — encrypted ' +
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
    .action(action(pushEvent));
}

/** push-event's environment: the ingest's Feishu settings and where it listens. */
export const pushConfigSchema = ingestConfigSchema
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
  return httpOrigin(config.INGEST_HOST, config.INGEST_PORT);
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

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
