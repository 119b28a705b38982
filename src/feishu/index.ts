import { FeishuClient } from './client';
import { FeishuHttp, type FetchLike } from './http';
import {
  CustomAppTokenProvider,
  StoreAppTokenProvider,
  type AppTicketSource,
  type TokenCacheOptions,
  type TokenProvider,
} from './token-manager';
import { Pacer } from './pacer';
import { RateLimitGate } from './rate-limit-gate';
import type { SharedRateHolds } from './shared-holds';
import type { FeishuMetrics } from '../common/metrics';

export * from './client';
export * from './errors';
export * from './http';
export * from './token-manager';
export * from './rate-limit-gate';
export * from './shared-holds';
export * from './pacer';
export * from './url';
export * from './update-result';

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
  /** Space calls per API × tenant in this process to at most this many per second. */
  callsPerSecond?: number;
  /** 429 holds shared with every worker process (src/feishu/shared-holds.ts); unset: each process holds on its own. */
  sharedHolds?: SharedRateHolds;
  /** Requests, 429 holds and token fetches are counted here (src/metrics); default: nowhere. */
  metrics?: FeishuMetrics;
}

/** Wires transport, token provider and client for the configured app type. */
export function createFeishuClient(config: FeishuClientConfig): FeishuClient {
  const http = new FeishuHttp({
    baseUrl: config.baseUrl,
    fetch: config.fetch,
    timeoutMs: config.timeoutMs,
    metrics: config.metrics,
  });
  const credentials = { appId: config.appId, appSecret: config.appSecret };
  const tokenOptions = { ...config.token, ...(config.metrics && { metrics: config.metrics }) };
  const pacer = config.callsPerSecond !== undefined ? new Pacer(config.callsPerSecond) : undefined;
  let tokens: TokenProvider;
  if (config.appType === 'store') {
    if (!config.appTickets) throw new Error('a store app needs an app ticket source (appTickets)');
    tokens = new StoreAppTokenProvider(http, credentials, config.appTickets, tokenOptions);
  } else {
    tokens = new CustomAppTokenProvider(http, credentials, tokenOptions);
  }
  return new FeishuClient(http, tokens, new RateLimitGate(Date.now, config.sharedHolds), pacer, config.metrics);
}
