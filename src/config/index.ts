/**
 * The environment, validated once by each entry (src/worker.ts, src/ingest/server.ts, src/codec-server/server.ts,
 * src/cli) and passed down. A bad or missing variable stops the process with a message that names it; `.env.example`
 * lists them all. The shared pieces are in common.ts and temporal.ts, one schema per entry in its own file, and the
 * Temporal connection options in temporal-connection.ts.
 */
export {
  bearerSecret,
  ConfigError,
  duration,
  durationOrZero,
  httpUrl,
  isHttpUrl,
  logLevel,
  optionalHttpUrl,
  optionalPort,
  optionalString,
  parseConfig,
  payloadKeysSchema,
  port,
} from './common';
export { temporalSchema, type TemporalConfig } from './temporal';
export { clientConnectionOptions, nativeConnectionOptions, temporalTls } from './temporal-connection';
export { workerConfigSchema, loadWorkerConfig, type WorkerConfig } from './worker';
export { ingestConfigSchema, loadIngestConfig, type IngestConfig } from './ingest';
export { codecServerConfigSchema, type CodecServerConfig } from './codec-server';
export { cliTemporalConfigSchema, type CliTemporalConfig } from './cli';
