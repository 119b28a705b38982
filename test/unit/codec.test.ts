import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  EncryptionCodec,
  ENCODING,
  METADATA_KEY_ID,
  PayloadKeyError,
  generateKeyEntry,
  parseEncryptionKeys,
} from '../../src/codec';
import { redact, REDACTED } from '../../src/common/redact';
import { formatLogLine } from '../../src/common/log';

const text = (bytes?: Uint8Array | null) => new TextDecoder().decode(bytes ?? new Uint8Array());
const secret = { exam_login_info: { exam_url: 'https://e.x/1', password: 'correct horse battery staple' } };
const payload = (): Payload => defaultPayloadConverter.toPayload(secret);

describe('EncryptionCodec', () => {
  const keys = parseEncryptionKeys(`${generateKeyEntry('k2')},${generateKeyEntry('k1')}`);

  it('round-trips a payload, encrypting under the first key with a fresh nonce each time', async () => {
    const codec = new EncryptionCodec(keys);
    const [a] = await codec.encode([payload()]);
    const [b] = await codec.encode([payload()]);
    expect(text(a!.metadata!.encoding)).toBe(ENCODING);
    expect(text(a!.metadata![METADATA_KEY_ID])).toBe('k2');
    expect(Buffer.from(a!.data!).toString('latin1')).not.toContain('correct horse');
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
    const [decoded] = await codec.decode([a!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(secret);
  });

  it('keeps old payloads readable after rotation and refuses one whose key was dropped', async () => {
    const old = new EncryptionCodec(parseEncryptionKeys(`k1:${keys[1]!.key.toString('base64')}`));
    const [encrypted] = await old.encode([payload()]);
    const rotated = new EncryptionCodec(keys); // k2 encrypts now, k1 still decrypts
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([encrypted!]))[0]!)).toEqual(secret);
    const dropped = new EncryptionCodec(parseEncryptionKeys(generateKeyEntry('k3')));
    await expect(dropped.decode([encrypted!])).rejects.toThrow('unknown key id "k1"');
  });

  it('detects tampering and a payload relabelled with another key id', async () => {
    const codec = new EncryptionCodec(keys);
    const [encrypted] = await codec.encode([payload()]);
    const flipped = Buffer.from(encrypted!.data!);
    flipped[20] = flipped[20]! ^ 1;
    await expect(codec.decode([{ ...encrypted!, data: flipped }])).rejects.toThrow(PayloadKeyError);
    const relabelled = {
      ...encrypted!,
      metadata: { ...encrypted!.metadata, [METADATA_KEY_ID]: new TextEncoder().encode('k1') },
    };
    await expect(codec.decode([relabelled])).rejects.toThrow('failed authentication');
  });

  it('passes plaintext payloads (written before encryption was on) through', async () => {
    const codec = new EncryptionCodec(keys);
    const plain = payload();
    expect(await codec.decode([plain])).toEqual([plain]);
  });

  it.each([
    ['no keys', ''],
    ['must be keyId:base64', 'nocolon'],
    ['must be 32 bytes', `k1:${Buffer.alloc(31).toString('base64')}`],
    ['must be 32 bytes', `k1:not*base64`],
    ['appears twice', `${generateKeyEntry('a')},${generateKeyEntry('a')}`],
  ])('rejects bad PAYLOAD_ENCRYPTION_KEYS: %s', (message, value) => {
    expect(() => parseEncryptionKeys(value)).toThrow(message);
  });
});

describe('redact', () => {
  it('replaces every secret field, however deep, and keeps the rest', () => {
    const meta = {
      examId: 'e1',
      body: { exam_login_info: { exam_url: 'https://e.x', username: 'u', password: 'p' } },
      headers: { authorization: 'Bearer t-abc', 'content-type': 'application/json' },
      app_secret: 's',
      appSecret: 's',
      tenant_access_token: 't',
      encryptKey: 'k',
      app_ticket: 'x',
      list: [{ password: 'p2' }],
      tenantKey: 'tenant-1',
      refreshedToken: true,
    };
    expect(redact(meta)).toEqual({
      examId: 'e1',
      body: { exam_login_info: { exam_url: 'https://e.x', username: 'u', password: REDACTED } },
      headers: { authorization: REDACTED, 'content-type': 'application/json' },
      app_secret: REDACTED,
      appSecret: REDACTED,
      tenant_access_token: REDACTED,
      encryptKey: REDACTED,
      app_ticket: REDACTED,
      list: [{ password: REDACTED }],
      tenantKey: 'tenant-1',
      refreshedToken: true,
    });
  });

  it('formats one JSON line without the secrets', () => {
    const line = formatLogLine('INFO', 'hello', { password: 'hunter2', n: 10n }, new Date(0));
    expect(JSON.parse(line)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'INFO',
      message: 'hello',
      password: REDACTED,
      n: '10',
    });
  });
});
