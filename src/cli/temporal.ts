/** The Temporal connection of the arrange, status and list commands: configured from the environment, always closed. */
import { Client, Connection } from '@temporalio/client';
import { productDataConverter } from '../codec';
import { clientConnectionOptions, type CliTemporalConfig } from '../config';
import { CliError, EXIT, messageOf } from './errors';

export { cliTemporalConfigSchema as temporalConfigSchema, type CliTemporalConfig } from '../config';

/** Connects (failing fast with a clear message), runs `fn` with a client of the product's codec, always closes. */
export async function withTemporal<T>(config: CliTemporalConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...clientConnectionOptions(config), connectTimeout: '10s' });
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
