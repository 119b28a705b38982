import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec, parseEncryptionKeys } from './encryption-codec';

export * from './encryption-codec';

/**
 * The data converter of every Temporal client and worker of the product (ingest, worker, CLI, helpers, tests): the
 * AES-256-GCM codec, and failures with encoded messages and stack traces. The failure converter goes by path because
 * the worker also loads it inside the workflow sandbox.
 */
export function productDataConverter(keys: string): DataConverter {
  return {
    payloadCodecs: [new EncryptionCodec(parseEncryptionKeys(keys))],
    failureConverterPath: require.resolve('./failure-converter'),
  };
}
