import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * AES-256-GCM payload codec. Each payload is serialised whole (metadata + data), encrypted with a random 12-byte
 * nonce under the current key, and stored as `nonce ‖ ciphertext ‖ tag` with metadata `encoding: binary/encrypted` and
 * `encryption-key-id`. The key id is also the GCM associated data, so a payload cannot be passed off under another
 * key. Decoding accepts every configured key (rotation) and passes plaintext payloads through (histories written
 * before encryption was turned on stay readable).
 */
export const ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

export class PayloadKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadKeyError';
  }
}

/** Parses PAYLOAD_ENCRYPTION_KEYS: `keyId:base64,keyId:base64`; the first encrypts, all decrypt. Never echoes a key. */
export function parseEncryptionKeys(value: string, variable = 'PAYLOAD_ENCRYPTION_KEYS'): EncryptionKey[] {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new PayloadKeyError(`${variable}: no keys (expected keyId:base64,…)`);
  const seen = new Set<string>();
  return entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const encoded = colon > 0 ? entry.slice(colon + 1) : '';
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(id)) {
      throw new PayloadKeyError(
        `${variable}: entry ${index + 1} must be keyId:base64 with a key id of letters, digits, _ . -`,
      );
    }
    if (seen.has(id)) throw new PayloadKeyError(`${variable}: key id "${id}" appears twice`);
    seen.add(id);
    const key = /^[A-Za-z0-9+/]+={0,2}$/.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES) {
      throw new PayloadKeyError(
        `${variable}: key "${id}" must be ${KEY_BYTES} bytes of base64 (openssl rand -base64 32)`,
      );
    }
    return { id, key };
  });
}

/** A fresh `keyId:base64` entry, e.g. for the local stack. */
export function generateKeyEntry(id = `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`): string {
  return `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class EncryptionCodec implements PayloadCodec {
  private readonly current: EncryptionKey;
  private readonly byId: Map<string, Buffer>;

  constructor(keys: EncryptionKey[]) {
    const [current] = keys;
    if (!current) throw new PayloadKeyError('EncryptionCodec needs at least one key');
    this.current = current;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, nonce);
    cipher.setAAD(Buffer.from(this.current.id));
    const data = Buffer.concat([nonce, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: { encoding: encoder.encode(ENCODING), [METADATA_KEY_ID]: encoder.encode(this.current.id) },
      data,
    };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding;
    if (!encoding || decoder.decode(encoding) !== ENCODING) return payload;
    const idBytes = payload.metadata?.[METADATA_KEY_ID];
    const id = idBytes ? decoder.decode(idBytes) : '';
    const key = this.byId.get(id);
    if (!key)
      throw new PayloadKeyError(`payload encrypted with unknown key id "${id}": add it to PAYLOAD_ENCRYPTION_KEYS`);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < NONCE_BYTES + TAG_BYTES) throw new PayloadKeyError('encrypted payload is truncated');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(id));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadKeyError(`encrypted payload failed authentication (key id "${id}"): tampered or wrong key`);
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }
}
