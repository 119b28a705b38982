/**
 * What the sandbox's push commands (push-event, push-account-event) share: their environment, where the ingest's
 * webhook is, the per-delivery timeout, and how deliveries and unreachable targets are reported.
 */
import type { Command } from 'commander';
import { z } from 'zod';
import { parseHttpUrl, parsePositiveInt } from '../src/cli/args';
import type { Context } from '../src/cli/context';
import { CliError, EXIT, fieldOf, messageOf } from '../src/cli/errors';
import { ingestConfigSchema, optionalHttpUrl } from '../src/config';
import { httpOrigin } from '../src/common/listen';
import type { Delivery } from './event-pusher';

/** The push commands' environment: the ingest's Feishu settings, where it listens, and the sandbox (SANDBOX_URL). */
export const pushConfigSchema = ingestConfigSchema
  .pick({ FEISHU_VERIFICATION_TOKEN: true, FEISHU_ENCRYPT_KEY: true, INGEST_HOST: true, INGEST_PORT: true })
  .extend({ INGEST_URL: optionalHttpUrl('INGEST_URL'), SANDBOX_URL: optionalHttpUrl('SANDBOX_URL') });
export type PushConfig = z.infer<typeof pushConfigSchema>;

/** How long one delivery may take before the ingest counts as unreachable. */
export const DELIVERY_TIMEOUT_MS = 10_000;

export interface DeliveryFlags {
  deliveries: number;
  concurrent: number;
  ingestUrl?: string;
}

/** --deliveries, --concurrent and --ingest-url. */
export function deliveryOptions(command: Command): Command {
  return command
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
    );
}

/** The webhook URL: --ingest-url, else INGEST_URL, else where INGEST_HOST/INGEST_PORT listen (loopback for 0.0.0.0). */
export function webhookUrlFor(flags: DeliveryFlags, config: PushConfig): string {
  const ingestUrl = flags.ingestUrl ?? config.INGEST_URL ?? httpOrigin(config.INGEST_HOST, config.INGEST_PORT);
  const trimmed = ingestUrl.replace(/\/+$/, '');
  return trimmed.endsWith('/webhook/feishu') ? trimmed : `${trimmed}/webhook/feishu`;
}

/** fetch with the per-delivery timeout. */
export const timedFetch: typeof fetch = (input, init) =>
  fetch(input, { ...init, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) });

/** The failure to report when the ingest could not be reached. */
export function ingestUnreachable(webhookUrl: string, err: unknown): CliError {
  return new CliError(
    EXIT.failure,
    `cannot reach the ingest at ${webhookUrl} (${networkReason(err)}): is it running (npm run ingest, npm start)? ` +
      'Point at it with --ingest-url or INGEST_URL.',
  );
}

/** One line per delivery (the answer of one that was not acknowledged); exit 1 when any was not. */
export function reportDeliveries(ctx: Context, deliveries: readonly Delivery[]): number {
  const failed = deliveries.filter((delivery) => !isOk(delivery));
  deliveries.forEach((delivery, i) => {
    const line = `delivery ${i + 1}: ${delivery.status} in ${delivery.ms.toFixed(0)} ms`;
    ctx.out(isOk(delivery) ? line : `${line}: ${truncate(delivery.body, 500)}`);
  });
  if (failed.length > 0) {
    ctx.err(`error: ${failed.length} of ${deliveries.length} deliveries were not acknowledged (2xx)`);
    return EXIT.failure;
  }
  return EXIT.ok;
}

const isOk = (delivery: Delivery): boolean => delivery.status >= 200 && delivery.status < 300;

/** Why a fetch failed, from its cause (ECONNREFUSED, ENOTFOUND, …) or the timeout. */
export function networkReason(err: unknown): string {
  if (fieldOf(err, 'name') === 'TimeoutError') return `no answer within ${DELIVERY_TIMEOUT_MS / 1000} s`;
  const cause: unknown = fieldOf(err, 'cause');
  const code = fieldOf(cause, 'code');
  if (typeof code === 'string') return code;
  return cause === undefined ? messageOf(err) : messageOf(cause);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
