/** The Temporal connection of the arrange, status and list commands: configured from the environment, always closed. */
import { Client, Connection } from '@temporalio/client';
import type { z } from 'zod';
import { productDataConverter } from '../codec';
import { ingestConfigSchema, payloadKeysSchema, temporalTls } from '../config';
import { CliError, EXIT, messageOf } from './errors';

export const temporalConfigSchema = ingestConfigSchema
  .pick({
    TEMPORAL_ADDRESS: true,
    TEMPORAL_NAMESPACE: true,
    TEMPORAL_TASK_QUEUE: true,
    TEMPORAL_API_KEY: true,
    TEMPORAL_TLS_CERT: true,
    TEMPORAL_TLS_KEY: true,
  })
  .extend({ PAYLOAD_ENCRYPTION_KEYS: payloadKeysSchema });
export type CliTemporalConfig = z.infer<typeof temporalConfigSchema>;

/** Connects (failing fast with a clear message), runs `fn` with a client of the product's codec, always closes. */
export async function withTemporal<T>(config: CliTemporalConfig, fn: (client: Client) => Promise<T>): Promise<T> {
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
