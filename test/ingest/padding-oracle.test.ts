import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { encryptEvent } from '../../src/feishu/event-crypto';
import { buildApp } from '../../src/ingest/app';
import type { Logger } from '../../src/common/log';
import { FailureDelay } from '../../src/ingest/webhook/failure-delay';
import { ecoExamCreatedEvent, encryptBody, urlVerification } from '../support/feishu-events';
import { recordingClient } from '../support/fake-temporal';

/**
 * Issue 11 finding 1: `POST /webhook/feishu` decrypts an unsigned `{"encrypt": …}` (to recognise url_verification).
 * Before the fix the refusal said "bad padding after decryption" for a bad padding and "not valid UTF-8/JSON" for a
 * good one: a CBC padding oracle. Now every malformed ciphertext gets the same status, headers and body, byte for
 * byte, and the reason goes to a WARN log line only.
 */
const TOKEN = 'oracle-verification-token';
const KEY = 'oracle-encrypt-key';
const SECRET_MARK = 'PLAINTEXT-MARK-7f3a';

const logged: Array<{ level: string; message: string; meta?: Record<string, unknown> }> = [];
const record =
  (level: string) =>
  (message: string, meta?: Record<string, unknown>): void =>
    void logged.push({ level, message, meta });
const logger: Logger = {
  debug: record('debug'),
  info: record('info'),
  warn: record('warn'),
  error: record('error'),
};
const recorder = recordingClient();
const app = buildApp({
  client: recorder.client,
  examSystemToken: 'oracle-exam-system-bearer-0123456789',
  feishu: { verificationToken: TOKEN, encryptKey: KEY },
  logger,
});
afterAll(() => app.close());

/** PKCS7-padded AES-256-CBC of any bytes under the webhook key: the padding is valid, the plaintext anything. */
function encryptBytes(plaintext: Buffer, iv = randomBytes(16)): string {
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(KEY).digest(), iv);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final()]).toString('base64');
}

function post(encrypt: string): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/webhook/feishu',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ encrypt }),
  });
}

/** What an attacker observes: status, headers (but the date) and body bytes. */
function observed(res: LightMyRequestResponse): string {
  const { date: _date, ...headers } = res.headers;
  return JSON.stringify({ status: res.statusCode, headers, body: res.body });
}

describe('no padding oracle on POST /webhook/feishu', () => {
  it('answers every malformed ciphertext byte-identically, whether its padding is valid or not', async () => {
    const event = JSON.stringify(ecoExamCreatedEvent({ examId: 'oracle-1', token: TOKEN, eventId: SECRET_MARK }));
    const real = Buffer.from(encryptEvent(event, KEY), 'base64');
    // The padding-oracle probe: the last byte of the block before the last, through all 256 values. Some of these
    // decrypt with a valid padding (then fail as UTF-8/JSON), the others with a bad one.
    const probes = Array.from({ length: 256 }, (_, value) => {
      const bytes = Buffer.from(real);
      bytes[bytes.length - 17] = value;
      return bytes.toString('base64');
    });
    const others = [
      '%%%not-base64%%%',
      'AAAA',
      randomBytes(40).toString('base64'),
      ...Array.from({ length: 20 }, () => randomBytes(16 * (2 + (randomBytes(1)[0]! % 6))).toString('base64')),
      encryptBytes(Buffer.from([0xc3, 0x28, 0xff])),
      encryptBytes(Buffer.from('not json')),
      encryptBytes(Buffer.from('[1,2,3]')),
      encryptBytes(Buffer.from('"a string"')),
      encryptBytes(Buffer.from('{"schema":"2.0"}')),
      encryptBody(urlVerification({ token: 'wrong-token', challenge: 'c' }), KEY).encrypt,
      encryptBody(ecoExamCreatedEvent({ examId: 'x', token: 'wrong-token' }), KEY).encrypt,
      encryptEvent(event, KEY), // a genuine event, but unsigned
      encryptEvent(event, 'another key'),
    ];
    logged.length = 0;
    const answers = new Map<string, number>();
    for (const encrypt of [...probes, ...others]) {
      const res = await post(encrypt);
      answers.set(observed(res), (answers.get(observed(res)) ?? 0) + 1);
    }
    expect([...answers.keys()]).toHaveLength(1);
    const [only] = answers.keys();
    const answer = JSON.parse(only!) as { status: number; body: string };
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ error: 'unauthorized' });
    expect(recorder.calls).toEqual([]);

    // The operator still learns why, at WARN, and the log never holds the body or its plaintext.
    const warnings = logged.filter((line) => line.level === 'warn');
    expect(warnings).toHaveLength(probes.length + others.length);
    const reasons = new Set(warnings.map((line) => String(line.meta?.reason)));
    expect([...reasons].some((reason) => /padding/.test(reason))).toBe(true);
    expect([...reasons].some((reason) => /UTF-8|JSON/.test(reason))).toBe(true);
    const text = JSON.stringify(logged);
    expect(text).not.toContain(SECRET_MARK);
    expect(text).not.toContain(real.toString('base64').slice(0, 40));
  });

  it('still answers a genuine unsigned url_verification', async () => {
    const res = await post(encryptBody(urlVerification({ token: TOKEN, challenge: 'still-works' }), KEY).encrypt);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ challenge: 'still-works' });
  });
});

describe('a client that keeps failing is slowed down, with the same answer', () => {
  it('FailureDelay: free refusals, then a doubling delay up to the bound, per client, forgetting after the window', () => {
    let now = 0;
    const delay = new FailureDelay(
      { freeFailures: 2, windowMs: 1000, baseDelayMs: 10, maxDelayMs: 35, maxClients: 2 },
      () => now,
    );
    expect(Array.from({ length: 6 }, () => delay.failed('a'))).toEqual([0, 0, 10, 20, 35, 35]);
    expect(delay.failed('b')).toBe(0);
    now = 1001;
    expect(delay.failed('a')).toBe(0); // a new window
    delay.failed('c'); // a third client: the least recently failing one ('b') is forgotten
    expect(delay.size).toBe(2);
    expect([delay.failed('b'), delay.failed('b'), delay.failed('b')]).toEqual([0, 0, 10]);
  });

  it('delays the refusals beyond the free ones, and answers them byte-identically', async () => {
    const slowed = buildApp({
      client: recordingClient().client,
      examSystemToken: 'oracle-exam-system-bearer-0123456789',
      feishu: { verificationToken: TOKEN, encryptKey: KEY },
      webhookFailureDelay: { freeFailures: 1, windowMs: 60_000, baseDelayMs: 60, maxDelayMs: 60, maxClients: 100 },
    });
    try {
      const answers = new Set<string>();
      const durations: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        const res = await slowed.inject({
          method: 'POST',
          url: '/webhook/feishu',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ encrypt: randomBytes(48).toString('base64') }),
          remoteAddress: '10.1.2.3',
        });
        durations.push(performance.now() - started);
        answers.add(observed(res));
      }
      expect(answers.size).toBe(1);
      expect(durations[1]).toBeGreaterThanOrEqual(55);
      expect(durations[2]).toBeGreaterThanOrEqual(55);
    } finally {
      await slowed.close();
    }
  });
});
