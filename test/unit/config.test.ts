import { ConfigError, loadWorkerConfig } from '../../src/config';

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
