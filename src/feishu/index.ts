import { FeishuClient } from './client';
import { FeishuHttp, type FetchLike } from './http';
import {
  CustomAppTokenProvider,
  StoreAppTokenProvider,
  type AppTicketSource,
  type TokenCacheOptions,
} from './token-manager';

export * from './client';
export * from './errors';
export * from './http';
export * from './token-manager';
export * from './rate-limit-gate';

export interface FeishuClientConfig {
  baseUrl: string;
  appId: string;
  appSecret: string;
  appType: 'custom' | 'store';
  timeoutMs?: number;
  fetch?: FetchLike;
  token?: TokenCacheOptions;
  /** Store apps: where the latest app_ticket is kept. */
  appTickets?: AppTicketSource;
}

/** Wires transport, token provider and client for the configured app type. */
export function createFeishuClient(config: FeishuClientConfig): FeishuClient {
  const http = new FeishuHttp({ baseUrl: config.baseUrl, fetch: config.fetch, timeoutMs: config.timeoutMs });
  const credentials = { appId: config.appId, appSecret: config.appSecret };
  if (config.appType === 'store') {
    if (!config.appTickets) throw new Error('a store app needs an app ticket source (appTickets)');
    return new FeishuClient(http, new StoreAppTokenProvider(http, credentials, config.appTickets, config.token));
  }
  const tokens = new CustomAppTokenProvider(http, credentials, config.token);
  return new FeishuClient(http, tokens);
}
