import { FeishuClient } from './client';
import { FeishuHttp, type FetchLike } from './http';
import { CustomAppTokenProvider, type TokenCacheOptions } from './token-manager';

export * from './client';
export * from './errors';
export * from './http';
export * from './token-manager';

export interface FeishuClientConfig {
  baseUrl: string;
  appId: string;
  appSecret: string;
  appType: 'custom' | 'store';
  timeoutMs?: number;
  fetch?: FetchLike;
  token?: TokenCacheOptions;
}

/** Wires transport, token provider and client for the configured app type. */
export function createFeishuClient(config: FeishuClientConfig): FeishuClient {
  const http = new FeishuHttp({ baseUrl: config.baseUrl, fetch: config.fetch, timeoutMs: config.timeoutMs });
  if (config.appType === 'store') {
    throw new Error('FEISHU_APP_TYPE=store: the store-app token flow (app_ticket) arrives with the event ingest');
  }
  const tokens = new CustomAppTokenProvider(http, { appId: config.appId, appSecret: config.appSecret }, config.token);
  return new FeishuClient(http, tokens);
}
