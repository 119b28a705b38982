import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from '@temporalio/client';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { ConfigError } from './common';
import type { TemporalConfig } from './temporal';

/**
 * THE one place that turns the TEMPORAL_* variables into connection options: address, mTLS client certificate and
 * API key. `clientConnectionOptions` feeds `Connection.connect`/`Connection.lazy` (ingest, CLI),
 * `nativeConnectionOptions` feeds the worker's `NativeConnection.connect`. Only types are imported from the SDK, so
 * the ingest and the CLI never load the worker's native module through here.
 */

/** What both connection kinds share. */
interface CommonOptions {
  address: string;
  tls?: { clientCertPair: { crt: Buffer; key: Buffer } };
  apiKey?: string;
}

function commonOptions(config: TemporalConfig): CommonOptions {
  const tls = temporalTls(config);
  return {
    address: config.TEMPORAL_ADDRESS,
    ...(tls && { tls }),
    // The native layer rejects explicit `undefined`s: pass only what is set.
    ...(config.TEMPORAL_API_KEY && { apiKey: config.TEMPORAL_API_KEY }),
  };
}

/**
 * For `Connection.connect`/`Connection.lazy` of @temporalio/client. `fastReconnect` (long-lived front doors such as
 * the ingest): after Temporal restarts, reconnect within ~2 s instead of grpc's default backoff (up to 2 minutes),
 * during which every call would fail.
 */
export function clientConnectionOptions(
  config: TemporalConfig,
  options: { fastReconnect?: boolean } = {},
): ConnectionOptions {
  return {
    ...commonOptions(config),
    ...(options.fastReconnect && {
      channelArgs: { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2000 },
    }),
  };
}

/** For `NativeConnection.connect` of @temporalio/worker. */
export function nativeConnectionOptions(config: TemporalConfig): NativeConnectionOptions {
  return commonOptions(config);
}

/** mTLS client certificate from TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY (PEM text or a file path); undefined when unset. */
export function temporalTls(config: TemporalConfig): { clientCertPair: { crt: Buffer; key: Buffer } } | undefined {
  if (!config.TEMPORAL_TLS_CERT && !config.TEMPORAL_TLS_KEY) return undefined;
  if (!config.TEMPORAL_TLS_CERT || !config.TEMPORAL_TLS_KEY) {
    throw new ConfigError(['TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together']);
  }
  return {
    clientCertPair: {
      crt: pem('TEMPORAL_TLS_CERT', config.TEMPORAL_TLS_CERT),
      key: pem('TEMPORAL_TLS_KEY', config.TEMPORAL_TLS_KEY),
    },
  };
}

function pem(name: string, value: string): Buffer {
  if (value.includes('-----BEGIN')) return Buffer.from(value);
  try {
    return readFileSync(value);
  } catch (err) {
    throw new ConfigError([
      `${name}: neither PEM text nor a readable file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
}
