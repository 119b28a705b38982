/**
 * Helpers of the sandbox tests: every case talks to a listening FeishuSandbox on 127.0.0.1 with global fetch.
 */
import { FeishuSandbox, type FeishuSandboxOptions } from '../../sandbox/feishu-sandbox';

export const JSON_TYPE = 'application/json; charset=utf-8';
export const INTERNAL_TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal';
export const APP_TOKEN_PATH = '/open-apis/auth/v3/app_access_token';
export const STORE_TENANT_TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token';
export const RESEND_PATH = '/open-apis/auth/v3/app_ticket/resend';
export const DEFAULT_CREDENTIALS = { app_id: 'cli_sandbox', app_secret: 'sandbox-secret' };
export const LOGIN_INFO_BODY = {
  result: 0,
  msg: 'success',
  exam_login_info: { exam_url: 'https://exam.example/t/1', username: 'cand-1', password: 'Secr3t!pw' },
};
/** 2026-11-24 14:00:00 in China (UTC+8). */
export const FROZEN_NOW = Date.UTC(2026, 10, 24, 6, 0, 0);

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

export function loginInfoPath(examId: string): string {
  return `/open-apis/hire/v1/eco_exams/${encodeURIComponent(examId)}/login_info`;
}

export async function send(
  sandbox: FeishuSandbox,
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'content-type': JSON_TYPE },
  method = 'POST',
): Promise<Answer> {
  const response = await fetch(sandbox.url + path, {
    method,
    headers,
    body: method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
  return { status: response.status, headers: response.headers, text, json: isJson ? parseObject(text) : {} };
}

function parseObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) throw new Error(`not a JSON object: ${text}`);
  return value as Record<string, unknown>;
}

export async function tenantToken(sandbox: FeishuSandbox, credentials = DEFAULT_CREDENTIALS): Promise<string> {
  const answer = await send(sandbox, INTERNAL_TOKEN_PATH, credentials);
  const token = answer.json.tenant_access_token;
  if (typeof token !== 'string') throw new Error(`no token: ${answer.text}`);
  return token;
}

export function loginInfo(
  sandbox: FeishuSandbox,
  examId: string,
  token: string,
  body: unknown = LOGIN_INFO_BODY,
  contentType = JSON_TYPE,
): Promise<Answer> {
  return send(sandbox, loginInfoPath(examId), body, { authorization: `Bearer ${token}`, 'content-type': contentType });
}

export function errorOf(answer: Answer): Record<string, unknown> {
  const error = answer.json.error;
  if (typeof error !== 'object' || error === null) throw new Error(`no error object: ${answer.text}`);
  return error as Record<string, unknown>;
}

export async function until(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts a sandbox for one test and always closes it. */
export async function withSandbox(options: FeishuSandboxOptions, run: (sandbox: FeishuSandbox) => Promise<void>) {
  const sandbox = await FeishuSandbox.start(options);
  try {
    await run(sandbox);
  } finally {
    await sandbox.close();
  }
}

/** One sandbox for the file's cases that need no options of their own: reset before each case, closed at the end. */
export function sharedSandbox(): { readonly sandbox: FeishuSandbox; readonly logLines: string[] } {
  const logLines: string[] = [];
  let sandbox: FeishuSandbox | undefined;
  beforeAll(async () => {
    sandbox = await FeishuSandbox.start({ log: (line) => logLines.push(line) });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(() => {
    sandbox?.reset();
    logLines.length = 0;
  });
  return {
    get sandbox(): FeishuSandbox {
      if (!sandbox) throw new Error('the shared sandbox is not started yet');
      return sandbox;
    },
    logLines,
  };
}

export const STORE_APPS = [
  { appId: 'cli_custom', appSecret: 'custom-secret' },
  { appId: 'cli_store', appSecret: 'store-secret', type: 'store' as const },
];
export const STORE_CREDENTIALS = { app_id: 'cli_store', app_secret: 'store-secret' };

export async function appAccessToken(target: FeishuSandbox, ticket: string): Promise<Answer> {
  return send(target, APP_TOKEN_PATH, { ...STORE_CREDENTIALS, app_ticket: ticket });
}

export async function storeTenantToken(target: FeishuSandbox, appToken: string, tenantKey: string): Promise<string> {
  const answer = await send(target, STORE_TENANT_TOKEN_PATH, { app_access_token: appToken, tenant_key: tenantKey });
  expect(answer.json).toEqual({
    code: 0,
    msg: 'success',
    tenant_access_token: expect.stringMatching(/^t-/),
    expire: 7140,
  });
  return String(answer.json.tenant_access_token);
}
