import type { z } from 'zod';
import { payloadKeysSchema } from './common';
import { temporalSchema } from './temporal';

/** The ops CLI's environment (src/cli): `arrange`, `status`, `list` need a Temporal client with the product's codec. */
export const cliTemporalConfigSchema = temporalSchema.extend({ PAYLOAD_ENCRYPTION_KEYS: payloadKeysSchema });
export type CliTemporalConfig = z.infer<typeof cliTemporalConfigSchema>;
