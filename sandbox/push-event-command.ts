/**
 * The sandbox's `push-event` command: Feishu's `hire.eco_exam.created_v1` (创建笔试) sent to an ingest exactly as
 * Feishu would — encrypted with FEISHU_ENCRYPT_KEY and signed (plain when unset), with FEISHU_VERIFICATION_TOKEN —
 * reporting each delivery's HTTP status and time. With `--account-id` the paper must be one published for that
 * account in the sandbox (--sandbox-url or SANDBOX_URL), as Feishu allows no other. Settings come from the
 * environment over `.data/local.env`.
 */
import { randomInt } from 'node:crypto';
import type { Command } from 'commander';
import { parseExamId, parseHttpUrl } from '../src/cli/args';
import type { Context } from '../src/cli/context';
import { CliError, EXIT } from '../src/cli/errors';
import type { Action } from '../src/cli/program';
import { parseConfig } from '../src/config';
import { ecoExamWorkflowId } from '../src/common/constants';
import { pushExamCreated, type PushResult } from './event-pusher';
import {
  deliveryOptions,
  ingestUnreachable,
  networkReason,
  pushConfigSchema,
  reportDeliveries,
  timedFetch,
  webhookUrlFor,
  type DeliveryFlags,
} from './push-command-support';
import { PaperNotPublishedError, SandboxLookupError } from './published-papers';

export { pushConfigSchema } from './push-command-support';

const PUSH_EVENT_HELP = `
Exit 0 when every delivery was acknowledged (2xx); 1 when one was not (its answer is printed), the ingest or the
sandbox is unreachable, or no paper is published for --account-id. The exam id, paper, event id and workflow id are
printed first.

Examples:
  npm run sandbox:push-event -- --deliveries 3 --concurrent 2
  npm run sandbox:push-event -- --account-id 7147998241542539527   # a paper published for it (SANDBOX_URL)`;

interface PushEventFlags extends DeliveryFlags {
  examId?: string;
  paperId?: string;
  accountId?: string;
  sandboxUrl?: string;
  tenantKey?: string;
  candidateName?: string;
  candidateEmail?: string;
}

export function pushEventCommand(program: Command, action: Action): void {
  const command = program
    .command('push-event')
    .summary('send a 创建笔试 event to the ingest, like Feishu')
    .description(
      'Send a hire.eco_exam.created_v1 (创建笔试) event to the ingest exactly as Feishu would — encrypted ' +
        'with FEISHU_ENCRYPT_KEY and signed (plain when unset), with FEISHU_VERIFICATION_TOKEN — and report each ' +
        "delivery's HTTP status and time. Redeliveries reuse the event id: the exam must still get one workflow.",
    )
    .option('--exam-id <id>', 'exam id (default: a fresh numeric id, 7 + 18 digits)', parseExamId)
    .option(
      '--paper-id <id>',
      'paper id (default: paper001, as in the docs; with --account-id: the first published for it)',
    )
    .option(
      '--account-id <id>',
      'eco account id (default: the docs’ example); the paper must then be published for it in the sandbox',
    )
    .option(
      '--sandbox-url <url>',
      'the sandbox holding the published papers (default with --account-id: SANDBOX_URL); the paper must be one of them',
      parseHttpUrl,
    )
    .option('--tenant-key <key>', 'tenant_key of the event header (store apps use it to pick the tenant token)')
    .option('--candidate-name <name>', 'candidate name (default: the docs’ example candidate)')
    .option('--candidate-email <email>', 'candidate email');
  deliveryOptions(command).addHelpText('after', PUSH_EVENT_HELP).action(action(pushEvent));
}

async function pushEvent(ctx: Context, flags: PushEventFlags): Promise<number> {
  const config = parseConfig(pushConfigSchema, ctx.env());
  const webhookUrl = webhookUrlFor(flags, config);
  // SANDBOX_URL (from npm start) applies to an explicit account only, so the default push stays as it always was.
  const sandboxUrl = flags.sandboxUrl ?? (flags.accountId === undefined ? undefined : config.SANDBOX_URL);
  if (flags.accountId !== undefined && flags.paperId === undefined && sandboxUrl === undefined) {
    throw new CliError(
      EXIT.usage,
      '--account-id needs the sandbox whose published papers the exam may use: --sandbox-url or SANDBOX_URL ' +
        '(or name the paper with --paper-id)',
    );
  }
  const examId = flags.examId ?? freshExamId();
  const candidate = candidateOf(flags);
  let result: PushResult;
  try {
    result = await pushExamCreated({
      webhookUrl,
      verificationToken: config.FEISHU_VERIFICATION_TOKEN,
      encryptKey: config.FEISHU_ENCRYPT_KEY,
      examId,
      paperId: flags.paperId,
      accountId: flags.accountId,
      sandboxUrl,
      tenantKey: flags.tenantKey,
      ...(candidate && { candidate }),
      deliveries: flags.deliveries,
      concurrent: flags.concurrent,
      fetch: timedFetch,
    });
  } catch (err) {
    if (err instanceof PaperNotPublishedError) throw new CliError(EXIT.failure, err.message);
    if (err instanceof SandboxLookupError) {
      throw new CliError(
        EXIT.failure,
        err.cause === undefined ? err.message : `${err.message} (${networkReason(err.cause)})`,
      );
    }
    throw ingestUnreachable(webhookUrl, err);
  }
  ctx.out(`exam ${result.examId} (workflow ${ecoExamWorkflowId(result.examId)})`);
  if (result.paperId !== undefined) ctx.out(`paper ${result.paperId}`);
  ctx.out(`event ${result.eventId}`);
  return reportDeliveries(ctx, result.deliveries);
}

/** Feishu's exam ids are 19-digit numbers; `7` + 18 random digits looks like one and will not collide in practice. */
function freshExamId(): string {
  return `7${Array.from({ length: 18 }, () => randomInt(10)).join('')}`;
}

function candidateOf(flags: PushEventFlags): { name?: string; email?: string } | undefined {
  if (flags.candidateName === undefined && flags.candidateEmail === undefined) return undefined;
  return {
    ...(flags.candidateName !== undefined && { name: flags.candidateName }),
    ...(flags.candidateEmail !== undefined && { email: flags.candidateEmail }),
  };
}
