import {
  FeishuClient,
  FeishuExamStateError,
  FeishuHttp,
  FeishuNetworkError,
  FeishuPermissionError,
  FeishuProtocolError,
  FeishuRateLimitedError,
  FeishuRejectedError,
  FeishuServerError,
  FeishuTimeoutError,
  FeishuTokenError,
  InvalidLoginInfoError,
  InvalidPathParameterError,
  FEISHU_PATHS,
  feishuPath,
  TokenCache,
  CustomAppTokenProvider,
  RateLimitGate,
  type FetchLike,
} from '../../src/feishu';

/** A scripted fetch: each call takes the next answer; records what was sent. */
function scriptedFetch(answers: Array<(url: string, init: RequestInit) => Promise<Response> | Response>) {
  const calls: Array<{ url: string; init: RequestInit; body: unknown }> = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({ url, init, body: JSON.parse(init.body as string) });
    const next = answers.shift();
    if (!next) throw new Error(`unexpected request to ${url}`);
    return next(url, init);
  };
  return { fetch, calls };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-tt-logid': 'LOG123', ...headers },
    });
const token = (value: string, expire = 7200) => json(200, { code: 0, msg: 'ok', tenant_access_token: value, expire });
const body = {
  result: 0,
  msg: 'success',
  exam_login_info: { exam_url: 'https://exam.example/t/1', username: 'u1', password: 'p@ss' },
};

function client(fetch: FetchLike, timeoutMs = 1000) {
  const http = new FeishuHttp({ baseUrl: 'https://open.feishu.test/', fetch, timeoutMs });
  return new FeishuClient(http, new CustomAppTokenProvider(http, { appId: 'cli_a', appSecret: 'sec' }));
}

describe('FeishuClient.submitLoginInfo', () => {
  it('sends the documented request: POST, path, Bearer token, content type, exact body', async () => {
    const { fetch, calls } = scriptedFetch([token('t-abc'), json(200, { code: 0, msg: 'SUCCESS', data: {} })]);
    const outcome = await client(fetch).submitLoginInfo('7178536692385679677', body);
    expect(outcome).toEqual({ logId: 'LOG123', refreshedToken: false });
    expect(calls[0]?.url).toBe('https://open.feishu.test/open-apis/auth/v3/tenant_access_token/internal');
    expect(calls[0]?.body).toEqual({ app_id: 'cli_a', app_secret: 'sec' });
    const call = calls[1]!;
    expect(call.url).toBe('https://open.feishu.test/open-apis/hire/v1/eco_exams/7178536692385679677/login_info');
    expect(call.init.method).toBe('POST');
    expect(call.init.headers).toEqual({
      authorization: 'Bearer t-abc',
      'content-type': 'application/json; charset=utf-8',
    });
    expect(call.body).toEqual(body);
  });

  it('rejects an exam_url that is not an absolute http(s) URL before calling Feishu', async () => {
    const { fetch, calls } = scriptedFetch([]);
    for (const exam_url of ['/relative', 'ftp://x.example/a', 'javascript:alert(1)', '']) {
      const err = await client(fetch)
        .submitLoginInfo('e1', { exam_login_info: { exam_url } })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidLoginInfoError);
      expect((err as Error).message).toContain('exam_login_info.exam_url');
    }
    expect(calls).toHaveLength(0);
  });

  it('never puts the password into an error message', async () => {
    const { fetch } = scriptedFetch([token('t-1'), json(400, { code: 1002851, msg: 'exam status abnormal' })]);
    const err = (await client(fetch)
      .submitLoginInfo('e1', body)
      .catch((e: unknown) => e)) as Error;
    expect(JSON.stringify({ message: err.message, stack: err.stack })).not.toContain('p@ss');
  });

  it.each([
    ['400/1002851', 400, 1002851, FeishuExamStateError],
    ['500/1002001', 500, 1002001, FeishuServerError],
    ['502 unknown code', 502, 1234567, FeishuServerError],
    ['400/99991672 scope', 400, 99991672, FeishuPermissionError],
    ['400/1002002 param', 400, 1002002, FeishuRejectedError],
    ['200 with non-zero code', 200, 1002851, FeishuExamStateError],
  ])('maps %s to its error class with code and log id', async (_name, status, code, cls) => {
    const { fetch } = scriptedFetch([
      token('t-1'),
      json(status, { code, msg: 'whatever', error: { log_id: 'BODYLOG' } }),
    ]);
    const err = (await client(fetch)
      .submitLoginInfo('e1', body)
      .catch((e: unknown) => e)) as InstanceType<typeof cls>;
    expect(err).toBeInstanceOf(cls);
    expect(err.code).toBe(code);
    expect(err.httpStatus).toBe(status);
    expect(err.logId).toBe('LOG123'); // the x-tt-logid header wins over error.log_id
  });

  it('reads error.log_id when there is no x-tt-logid header', async () => {
    const answer = () =>
      new Response(JSON.stringify({ code: 1002851, msg: 'x', error: { logid: 'DOCLOG' } }), {
        status: 400,
        headers: { 'content-type': 'application/json' },
      });
    const { fetch } = scriptedFetch([token('t-1'), answer]);
    const err = (await client(fetch)
      .submitLoginInfo('e1', body)
      .catch((e: unknown) => e)) as FeishuExamStateError;
    expect(err.logId).toBe('DOCLOG');
  });

  it.each([
    ['HTTP 429', 429],
    ['legacy 400 / 99991400', 400],
  ])('the transport turns %s into FeishuRateLimitedError with the reset header as the wait', async (_name, status) => {
    const { fetch } = scriptedFetch([
      json(
        status,
        { code: 99991400, msg: 'request trigger frequency limit' },
        { 'x-ogw-ratelimit-reset': '7', 'x-ogw-ratelimit-limit': '50' },
      ),
    ]);
    const http = new FeishuHttp({ baseUrl: 'https://open.feishu.test', fetch, timeoutMs: 1000 });
    const err = (await http.postJson('login_info', '/x', {}).catch((e: unknown) => e)) as FeishuRateLimitedError;
    expect(err).toBeInstanceOf(FeishuRateLimitedError);
    expect(err.retryAfterMs).toBe(7000);
    expect(err.limit).toBe(50);
    expect(err.code).toBe(99991400);
  });

  it('hands a 429 whose reset is longer than it waits within an attempt back to Temporal', async () => {
    const { fetch, calls } = scriptedFetch([
      token('t-1'),
      json(429, { code: 99991400, msg: 'limited' }, { 'x-ogw-ratelimit-reset': '60' }),
    ]);
    const err = (await client(fetch)
      .submitLoginInfo('e1', body)
      .catch((e: unknown) => e)) as FeishuRateLimitedError;
    expect(err).toBeInstanceOf(FeishuRateLimitedError);
    expect(err.retryAfterMs).toBe(60_000);
    expect(calls).toHaveLength(2);
  });

  it('checks the content type first: a plain-text 404 is a protocol error, a 502 HTML page a server error', async () => {
    const text = (status: number) => () =>
      new Response('404 page not found', { status, headers: { 'content-type': 'text/plain' } });
    const first = scriptedFetch([token('t-1'), text(404)]);
    await expect(client(first.fetch).submitLoginInfo('e1', body)).rejects.toBeInstanceOf(FeishuProtocolError);
    const second = scriptedFetch([token('t-1'), text(502)]);
    await expect(client(second.fetch).submitLoginInfo('e1', body)).rejects.toBeInstanceOf(FeishuServerError);
  });

  it('refreshes the token once and retries on 99991663', async () => {
    const { fetch, calls } = scriptedFetch([
      token('t-old'),
      json(400, { code: 99991663, msg: 'Invalid access token for authorization' }),
      token('t-new'),
      json(200, { code: 0, msg: 'SUCCESS', data: {} }),
    ]);
    const outcome = await client(fetch).submitLoginInfo('e1', body);
    expect(outcome.refreshedToken).toBe(true);
    expect((calls[3]?.init.headers as Record<string, string>).authorization).toBe('Bearer t-new');
  });

  it('gives up with FeishuTokenError when the fresh token is refused too', async () => {
    const refused = json(400, { code: 99991661, msg: 'Missing access token' });
    const { fetch, calls } = scriptedFetch([token('t-1'), refused, token('t-2'), refused]);
    await expect(client(fetch).submitLoginInfo('e1', body)).rejects.toBeInstanceOf(FeishuTokenError);
    expect(calls).toHaveLength(4);
  });

  it('times out a hung request', async () => {
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const { fetch } = scriptedFetch([token('t-1'), hang]);
    await expect(client(fetch, 100).submitLoginInfo('e1', body)).rejects.toBeInstanceOf(FeishuTimeoutError);
  });

  it('reports network failures as FeishuNetworkError with the cause code', async () => {
    const refused = () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      });
    };
    const { fetch } = scriptedFetch([refused]);
    const err = (await client(fetch)
      .submitLoginInfo('e1', body)
      .catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(FeishuNetworkError);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('passes a caller cancellation through instead of calling it a timeout', async () => {
    const controller = new AbortController();
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const { fetch } = scriptedFetch([token('t-1'), hang]);
    const pending = client(fetch, 10_000).submitLoginInfo('e1', body, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('activity cancelled')), 20);
    await expect(pending).rejects.toThrow('activity cancelled');
  });

  it('fails on a token endpoint error (HTTP 200 with code 10015) as a permission error', async () => {
    const { fetch } = scriptedFetch([json(200, { code: 10015, msg: 'app secret invalid' })]);
    await expect(client(fetch).submitLoginInfo('e1', body)).rejects.toBeInstanceOf(FeishuPermissionError);
  });
});

describe('429 feedback across calls (RateLimitGate)', () => {
  it('absorbs a 429 inside the call: waits for the reset, holds the tenant back meanwhile, then sends again', async () => {
    const { fetch, calls } = scriptedFetch([
      token('t-1'),
      json(429, { code: 99991400, msg: 'limited' }, { 'x-ogw-ratelimit-reset': '1' }),
      json(200, { code: 0, msg: 'SUCCESS', data: {} }),
      json(200, { code: 0, msg: 'SUCCESS', data: {} }),
      json(200, { code: 0, msg: 'SUCCESS', data: {} }),
    ]);
    const http = new FeishuHttp({ baseUrl: 'https://open.feishu.test', fetch, timeoutMs: 1000 });
    const c = new FeishuClient(http, new CustomAppTokenProvider(http, { appId: 'a', appSecret: 's' }));
    const started = Date.now();
    const first = c.submitLoginInfo('e1', body, { tenantKey: 'busy' });
    await new Promise((r) => setTimeout(r, 50)); // e1 has had its 429 by now
    const held = c.submitLoginInfo('e2', body, { tenantKey: 'busy' }); // waits for the reset, not sent yet
    await expect(c.submitLoginInfo('e3', body, { tenantKey: 'quiet' })).resolves.toMatchObject({ logId: 'LOG123' });
    expect(calls.map((call) => call.url.split('/eco_exams/')[1])).toEqual([
      undefined,
      'e1/login_info',
      'e3/login_info',
    ]);
    await expect(first).resolves.toMatchObject({ logId: 'LOG123' });
    await expect(held).resolves.toMatchObject({ logId: 'LOG123' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(calls).toHaveLength(5);
  });

  it('gives up after three 429s in one call', async () => {
    const limited = json(429, { code: 99991400, msg: 'limited' }, { 'x-ogw-ratelimit-reset': '0.001' });
    const { fetch, calls } = scriptedFetch([token('t-1'), limited, limited, limited]);
    await expect(client(fetch).submitLoginInfo('e1', body)).rejects.toBeInstanceOf(FeishuRateLimitedError);
    expect(calls).toHaveLength(4);
  });

  it('hands a long hold back to Temporal as a rate-limited failure', async () => {
    let now = 0;
    const { fetch } = scriptedFetch([
      token('t-1'),
      json(429, { code: 99991400, msg: 'limited' }, { 'x-ogw-ratelimit-reset': '120' }),
    ]);
    const http = new FeishuHttp({ baseUrl: 'https://open.feishu.test', fetch, timeoutMs: 1000 });
    const c = new FeishuClient(
      http,
      new CustomAppTokenProvider(http, { appId: 'a', appSecret: 's' }),
      new RateLimitGate(() => now),
    );
    await expect(c.submitLoginInfo('e1', body, { tenantKey: 't' })).rejects.toBeInstanceOf(FeishuRateLimitedError);
    now += 1000;
    const held = (await c
      .submitLoginInfo('e2', body, { tenantKey: 't' })
      .catch((e: unknown) => e)) as FeishuRateLimitedError;
    expect(held.retryAfterMs).toBe(119_000);
  });
  it('holds a refused token fetch under the token endpoint × tenant, and calls needing it wait for the reset', async () => {
    const { fetch, calls } = scriptedFetch([
      json(429, { code: 99991400, msg: 'limited' }, { 'x-ogw-ratelimit-reset': '1' }),
      token('t-1'),
      json(200, { code: 0, msg: 'SUCCESS', data: {} }),
    ]);
    const http = new FeishuHttp({ baseUrl: 'https://open.feishu.test', fetch, timeoutMs: 1000 });
    const gate = new RateLimitGate();
    const c = new FeishuClient(http, new CustomAppTokenProvider(http, { appId: 'a', appSecret: 's' }), gate);
    const started = Date.now();
    const sent = c.submitLoginInfo('e1', body);
    await new Promise((r) => setTimeout(r, 50));
    // The token endpoint's quota was spent, not login_info's.
    expect(gate.remaining('', 'tenant_access_token')).toBeGreaterThan(900);
    expect(gate.remaining('', 'login_info')).toBe(0);
    await expect(sent).resolves.toMatchObject({ logId: 'LOG123' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(calls.map((call) => call.url.replace('https://open.feishu.test/open-apis/', ''))).toEqual([
      'auth/v3/tenant_access_token/internal',
      'auth/v3/tenant_access_token/internal',
      'hire/v1/eco_exams/e1/login_info',
    ]);
  });
});

describe('TokenCache', () => {
  it('fetches once for many concurrent callers (single flight) and caches until expire − margin', async () => {
    let now = 1_000_000;
    let fetches = 0;
    const cache = new TokenCache(
      async () => {
        fetches += 1;
        await new Promise((r) => setTimeout(r, 10));
        return { token: `t-${fetches}`, expireSeconds: 7200 };
      },
      { marginMs: 300_000, now: () => now },
    );
    const tokens = await Promise.all(Array.from({ length: 20 }, () => cache.get('')));
    expect(new Set(tokens)).toEqual(new Set(['t-1']));
    expect(fetches).toBe(1);
    now += 7200_000 - 300_001;
    expect(await cache.get('')).toBe('t-1');
    now += 2;
    expect(await cache.get('')).toBe('t-2');
  });

  it('keeps tenants apart and invalidates only the refused token', async () => {
    let n = 0;
    const cache = new TokenCache(async (key) => ({ token: `${key}-${++n}`, expireSeconds: 7200 }));
    const a = await cache.get('tenant-a');
    const b = await cache.get('tenant-b');
    expect(a).not.toBe(b);
    cache.invalidate('tenant-a', 'not-the-cached-one');
    expect(await cache.get('tenant-a')).toBe(a);
    cache.invalidate('tenant-a', a);
    expect(await cache.get('tenant-a')).not.toBe(a);
    expect(await cache.get('tenant-b')).toBe(b);
  });

  it('does not cache a failed fetch', async () => {
    let calls = 0;
    const cache = new TokenCache(async () => {
      calls += 1;
      if (calls === 1) throw new Error('boom');
      return { token: 't-ok', expireSeconds: 7200 };
    });
    await expect(cache.get('')).rejects.toThrow('boom');
    expect(await cache.get('')).toBe('t-ok');
  });
});

describe('feishuPath: path parameters never change the path (issue 11.2)', () => {
  const template = FEISHU_PATHS.loginInfo;
  const prefix = '/open-apis/hire/v1/eco_exams/';

  it.each([
    ['a plain id', '7178536692385679677', '7178536692385679677'],
    ['%2e%2e (stays literal, encoded once more)', '%2e%2e', '%252e%252e'],
    ['a slash', 'a/b', 'a%2Fb'],
    ['a query', '?x', '%3Fx'],
    ['a fragment', '#x', '%23x'],
    ['a backslash', '\\', '%5C'],
    ['unicode', '考试', '%E8%80%83%E8%AF%95'],
    ['dots inside', 'a..b', 'a..b'],
    ['three dots', '...', '...'],
    ['spaces and CR/LF', ' a\r\n', '%20a%0D%0A'],
  ])('%s is encoded as one segment', (_label, id, encoded) => {
    const path = feishuPath(template, { exam_id: id });
    expect(path).toBe(`${prefix}${encoded}/login_info`);
    expect(new URL(path, 'https://open.feishu.cn').pathname).toBe(path);
  });

  it.each([
    ['.', 'a dot segment (. or ..)'],
    ['..', 'a dot segment (. or ..)'],
    ['', 'empty'],
  ])('refuses %j with a named non-retryable error that does not quote the value', (id, reason) => {
    const err = (() => {
      try {
        return feishuPath(template, { exam_id: id });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidPathParameterError);
    expect(err).toMatchObject({ parameter: 'exam_id', reason, failureType: 'InvalidPathParameter' });
    expect((err as Error).message).toBe(`invalid path parameter exam_id: ${reason}`);
  });

  it('refuses a missing parameter', () => {
    expect(() => feishuPath(template, {} as { exam_id: string })).toThrow(InvalidPathParameterError);
  });
});

describe('FeishuClient.submitLoginInfo with hostile exam ids', () => {
  it.each([['.'], ['..'], ['']])('refuses %j before any request (no token, no login_info)', async (id) => {
    const { fetch, calls } = scriptedFetch([]);
    const err = await client(fetch)
      .submitLoginInfo(id, body)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidPathParameterError);
    expect(calls).toHaveLength(0);
  });

  it.each([
    ['%2e%2e', '%252e%252e'],
    ['a/b', 'a%2Fb'],
    ['?x', '%3Fx'],
    ['#x', '%23x'],
    ['\\', '%5C'],
    ['考试', '%E8%80%83%E8%AF%95'],
    ['../../auth/v3/tenant_access_token/internal', '..%2F..%2Fauth%2Fv3%2Ftenant_access_token%2Finternal'],
  ])('sends %j to the login_info path of that one exam, never elsewhere', async (id, encoded) => {
    const { fetch, calls } = scriptedFetch([token('t-abc'), json(200, { code: 0, msg: 'SUCCESS', data: {} })]);
    await client(fetch).submitLoginInfo(id, body);
    const url = new URL(calls[1]!.url);
    expect(url.pathname).toBe(`/open-apis/hire/v1/eco_exams/${encoded}/login_info`);
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
    expect(url.origin).toBe('https://open.feishu.test');
  });
});

describe('FeishuHttp: the last check on the request path', () => {
  it.each([['/open-apis/x/../y'], ['/open-apis/x?y=1'], ['/open-apis/x#y'], ['/open-apis/./x']])(
    'refuses %j without sending',
    async (path) => {
      const { fetch, calls } = scriptedFetch([]);
      const http = new FeishuHttp({ baseUrl: 'https://open.feishu.test/', fetch });
      await expect(http.postJson('test', path, {})).rejects.toBeInstanceOf(InvalidPathParameterError);
      expect(calls).toHaveLength(0);
    },
  );

  it('keeps a base URL with a path prefix and an upper-case host working', async () => {
    const { fetch, calls } = scriptedFetch([json(200, { code: 0 })]);
    const http = new FeishuHttp({ baseUrl: 'https://Open.Feishu.test/proxy/', fetch });
    await http.postJson('test', '/open-apis/x', {});
    expect(calls[0]?.url).toBe('https://Open.Feishu.test/proxy/open-apis/x');
  });
});
