import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  clientConnectionOptions,
  cliTemporalConfigSchema,
  codecServerConfigSchema,
  ingestConfigSchema,
  loadWorkerConfig,
  logLevel,
  nativeConnectionOptions,
  parseConfig,
  workerConfigSchema,
} from '../../src/config';
import { listen } from '../../src/common/listen';

const KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
const base = { FEISHU_APP_ID: 'cli_x', FEISHU_APP_SECRET: 'very-secret-value', PAYLOAD_ENCRYPTION_KEYS: KEYS };

describe('loadWorkerConfig', () => {
  it('applies DESIGN defaults', () => {
    const config = loadWorkerConfig(base);
    expect(config).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'feishu-eco-exam',
      FEISHU_BASE_URL: 'https://open.feishu.cn',
      FEISHU_APP_TYPE: 'custom',
      ARRANGEMENT_TIMEOUT: 7 * 24 * 3600 * 1000,
      WORKER_SHUTDOWN_GRACE: 30_000,
    });
    expect(config.FEISHU_CALLS_PER_SECOND * 60).toBeLessThan(1000);
  });

  it('names every bad or missing variable and never echoes a value', () => {
    const err = (() => {
      try {
        loadWorkerConfig({
          FEISHU_APP_SECRET: 'very-secret-value',
          FEISHU_BASE_URL: 'not a url',
          ARRANGEMENT_TIMEOUT: 'soon',
          FEISHU_APP_TYPE: 'other',
        });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain('FEISHU_APP_ID: is required but not set');
    expect(err.message).toContain('FEISHU_BASE_URL: FEISHU_BASE_URL must be an absolute http(s) URL');
    expect(err.message).toContain('ARRANGEMENT_TIMEOUT: ARRANGEMENT_TIMEOUT must be a duration');
    expect(err.message).toContain('FEISHU_APP_TYPE');
    expect(err.message).not.toContain('very-secret-value');
  });

  it('parses durations and treats empty optional variables as unset', () => {
    const config = loadWorkerConfig({
      ...base,
      ARRANGEMENT_TIMEOUT: '2 hours',
      TEMPORAL_API_KEY: '',
      EXAM_SYSTEM_WEBHOOK_URL: '',
    });
    expect(config.ARRANGEMENT_TIMEOUT).toBe(2 * 3600 * 1000);
    expect(config.TEMPORAL_API_KEY).toBeUndefined();
    expect(config.EXAM_SYSTEM_WEBHOOK_URL).toBeUndefined();
  });

  it('requires payload keys, says how to make one, and checks their form without echoing them', () => {
    const { PAYLOAD_ENCRYPTION_KEYS: _keys, ...noKeys } = base;
    expect(() => loadWorkerConfig(noKeys)).toThrow(
      /PAYLOAD_ENCRYPTION_KEYS: is required but not set: .*randomBytes\(32\)/,
    );
    const short = `k1:${Buffer.alloc(16, 1).toString('base64')}`;
    const err = (() => {
      try {
        loadWorkerConfig({ ...base, PAYLOAD_ENCRYPTION_KEYS: short });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected an error');
    })();
    expect(err.message).toContain('PAYLOAD_ENCRYPTION_KEYS: key "k1" must be 32 bytes');
    expect(err.message).not.toContain(short.slice(3));
  });

  it('keeps the task-queue rate under Feishu’s 50/s', () => {
    expect(() => loadWorkerConfig({ ...base, FEISHU_CALLS_PER_SECOND: '60' })).toThrow(/FEISHU_CALLS_PER_SECOND/);
  });
});

describe('one schema per entry, shared pieces once', () => {
  it('gives every entry the same LOG_LEVEL', () => {
    for (const schema of [workerConfigSchema, ingestConfigSchema, codecServerConfigSchema]) {
      expect(schema.shape.LOG_LEVEL).toBe(logLevel);
    }
    expect(() =>
      parseConfig(codecServerConfigSchema, {
        PAYLOAD_ENCRYPTION_KEYS: KEYS,
        CODEC_SERVER_TOKEN: 'x'.repeat(16),
        LOG_LEVEL: 'LOUD',
      }),
    ).toThrow(/LOG_LEVEL/);
  });

  it('parses the CLI’s settings with the same Temporal rules', () => {
    const temporal = parseConfig(cliTemporalConfigSchema, { PAYLOAD_ENCRYPTION_KEYS: KEYS, TEMPORAL_API_KEY: '' });
    expect(temporal).toMatchObject({ TEMPORAL_ADDRESS: '127.0.0.1:7233', TEMPORAL_TASK_QUEUE: 'feishu-eco-exam' });
    expect(temporal.TEMPORAL_API_KEY).toBeUndefined();
  });
});

describe('Temporal connection options (src/config/temporal-connection.ts)', () => {
  const temporal = (env: Record<string, string>) =>
    parseConfig(cliTemporalConfigSchema, { PAYLOAD_ENCRYPTION_KEYS: KEYS, ...env });

  it('builds the address, API key and reconnect settings, and nothing unset', () => {
    expect(clientConnectionOptions(temporal({ TEMPORAL_ADDRESS: 'temporal:7233' }))).toEqual({
      address: 'temporal:7233',
    });
    expect(
      clientConnectionOptions(temporal({ TEMPORAL_ADDRESS: 'x:1', TEMPORAL_API_KEY: 'key-1' }), {
        fastReconnect: true,
      }),
    ).toEqual({
      address: 'x:1',
      apiKey: 'key-1',
      channelArgs: { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2000 },
    });
    expect(nativeConnectionOptions(temporal({ TEMPORAL_API_KEY: 'key-2' }))).toEqual({
      address: '127.0.0.1:7233',
      apiKey: 'key-2',
    });
  });

  it('reads the mTLS pair as PEM text or files, and names what is wrong', () => {
    const pem = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;
    const dir = mkdtempSync(join(tmpdir(), 'feb-tls-'));
    try {
      writeFileSync(join(dir, 'client.key'), pem('PRIVATE KEY'));
      const options = nativeConnectionOptions(
        temporal({ TEMPORAL_TLS_CERT: pem('CERTIFICATE'), TEMPORAL_TLS_KEY: join(dir, 'client.key') }),
      );
      expect(options.tls).toEqual({
        clientCertPair: { crt: Buffer.from(pem('CERTIFICATE')), key: Buffer.from(pem('PRIVATE KEY')) },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => clientConnectionOptions(temporal({ TEMPORAL_TLS_CERT: pem('CERTIFICATE') }))).toThrow(
      'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together',
    );
    expect(() =>
      clientConnectionOptions(
        temporal({ TEMPORAL_TLS_CERT: pem('CERTIFICATE'), TEMPORAL_TLS_KEY: '/no/such/key.pem' }),
      ),
    ).toThrow('TEMPORAL_TLS_KEY: neither PEM text nor a readable file (ENOENT)');
  });
});

describe('listen (src/common/listen.ts)', () => {
  it('answers the reachable URL, and a taken port is a ConfigError naming its variable', async () => {
    const first = createServer();
    const { url, port } = await listen(first, { host: '0.0.0.0', port: 0, portVariable: 'INGEST_PORT' });
    try {
      expect(url).toBe(`http://127.0.0.1:${port}`);
      const second = createServer();
      const taken = listen(second, { host: '0.0.0.0', port, portVariable: 'INGEST_PORT' });
      await expect(taken).rejects.toBeInstanceOf(ConfigError);
      await expect(taken).rejects.toThrow(`INGEST_PORT: 0.0.0.0:${port} is already in use`);
    } finally {
      await new Promise((done) => first.close(done));
    }
  });
});
