import type { Payload } from '@temporalio/common';

/**
 * `temporal.api.common.v1.Payloads` in protobuf JSON, as the Temporal UI and CLI send it to a codec server, read
 * exactly as protobuf JSON allows (https://protobuf.dev/programming-guides/json/):
 * - a field at its default is omitted: `{}` is an empty list (the CLI sends it for a query without arguments), and a
 *   payload may lack `metadata` or `data`; `null` means the default too;
 * - bytes are base64, standard or URL-safe alphabet, with or without `=` padding;
 * - unknown fields are ignored (protobuf JSON's "ignore unknown fields" option): a newer Temporal UI or CLI may send
 *   fields this server does not know, and refusing them would hide every payload from the operator.
 * Anything else is refused with the field and the reason, never a value or a key name.
 */

/** At most this many payloads per request. */
export const MAX_PAYLOADS = 10_000;

export type PayloadsParse = { ok: true; payloads: Payload[] } | { ok: false; message: string };

export interface JsonPayload {
  metadata: Record<string, string>;
  data: string;
}

class FieldError extends Error {}

export function parsePayloadsJson(body: unknown): PayloadsParse {
  try {
    return { ok: true, payloads: readPayloads(body) };
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, message: err.message };
    throw err;
  }
}

function readPayloads(body: unknown): Payload[] {
  if (!isRecord(body)) throw new FieldError('(body): must be a JSON object such as {"payloads": [...]}');
  const list = body.payloads;
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new FieldError('payloads: must be an array');
  if (list.length > MAX_PAYLOADS) throw new FieldError(`payloads: at most ${MAX_PAYLOADS} payloads per request`);
  return list.map((item: unknown, index) => readPayload(item, `payloads[${index}]`));
}

function readPayload(item: unknown, path: string): Payload {
  if (!isRecord(item)) throw new FieldError(`${path}: must be an object`);
  const rawMetadata = item.metadata ?? {};
  if (!isRecord(rawMetadata)) throw new FieldError(`${path}.metadata: must be an object of base64 strings`);
  // Keys are not named in messages (they are the client's text); fromEntries defines own properties only.
  const metadata = Object.fromEntries(
    Object.entries(rawMetadata).map(([key, value]) => [
      key,
      bytes(value, `${path}.metadata`, 'every value must be a base64 string'),
    ]),
  );
  const data = item.data === undefined || item.data === null ? new Uint8Array() : bytes(item.data, `${path}.data`);
  return { metadata, data };
}

function bytes(value: unknown, path: string, what = 'must be a base64 string'): Uint8Array {
  if (typeof value !== 'string') throw new FieldError(`${path}: ${what}`);
  const decoded = decodeBase64(value);
  if (decoded === undefined) throw new FieldError(`${path}: not valid base64`);
  return decoded;
}

const STANDARD = /^[A-Za-z0-9+/]*$/;
const URL_SAFE = /^[A-Za-z0-9\-_]*$/;

/** Protobuf JSON bytes: either alphabet (not mixed), padding optional but, when present, to a multiple of 4. */
export function decodeBase64(text: string): Buffer | undefined {
  const padded = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  if (padded > 0 && text.length % 4 !== 0) return undefined;
  const body = text.slice(0, text.length - padded);
  if (body.length % 4 === 1) return undefined;
  if (padded > 0 && body.length % 4 !== 4 - padded) return undefined;
  const urlSafe = /[-_]/.test(body);
  if (!(urlSafe ? URL_SAFE : STANDARD).test(body)) return undefined;
  return Buffer.from(body, urlSafe ? 'base64url' : 'base64');
}

/** A payload in protobuf JSON, standard padded base64 (what the UI and CLI read back). */
export function toPayloadJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? []).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
