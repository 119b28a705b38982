import { z } from 'zod';
import { TASK_QUEUE } from '../common/constants';
import { optionalString } from './common';

/** Connection to Temporal: the same variables in every entry that talks to Temporal (worker, ingest, CLI). */
export const temporalSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  TEMPORAL_API_KEY: optionalString,
  /** PEM text or a path to a PEM file (client certificate for mTLS). */
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
});
export type TemporalConfig = z.infer<typeof temporalSchema>;
