import { NativeConnection } from '@temporalio/worker';
import { ConfigError, nativeConnectionOptions, type TemporalConfig } from '../config';

/** The first connect is not retried by the SDK: retry with backoff for about a minute, then give up. */
export async function connectWithRetry(config: TemporalConfig, log: (msg: string) => void): Promise<NativeConnection> {
  const delays = [250, 500, 1000, 2000, 4000, 8000, 15000, 30000];
  for (let attempt = 0; ; attempt++) {
    try {
      return await NativeConnection.connect(nativeConnectionOptions(config));
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      const delay = delays[attempt];
      if (delay === undefined) throw err;
      log(`Temporal at ${config.TEMPORAL_ADDRESS} not reachable (${(err as Error).message}); retrying in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
