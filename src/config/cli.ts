import type { z } from 'zod';
import { optionalHttpUrl, payloadKeysSchema } from './common';
import { ingestConfigSchema } from './ingest';
import { temporalSchema } from './temporal';

/** The ops CLI's environment (src/cli), per kind of command. */

/** `push-event`: signs and encrypts like Feishu, for the ingest at INGEST_URL (or the ingest's own host and port). */
export const cliPushConfigSchema = ingestConfigSchema
  .pick({ FEISHU_VERIFICATION_TOKEN: true, FEISHU_ENCRYPT_KEY: true, INGEST_HOST: true, INGEST_PORT: true })
  .extend({ INGEST_URL: optionalHttpUrl('INGEST_URL') });
export type CliPushConfig = z.infer<typeof cliPushConfigSchema>;

/** `arrange`, `status`, `list`: a Temporal client with the product's data converter. */
export const cliTemporalConfigSchema = temporalSchema.extend({ PAYLOAD_ENCRYPTION_KEYS: payloadKeysSchema });
export type CliTemporalConfig = z.infer<typeof cliTemporalConfigSchema>;
