import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiEndpoint } from './apis';
import type { TokenEndpoint } from './tokens';

/** The sandbox's public types: its options, the faults a test can inject, and the request log's records. */

export interface SandboxApp {
  appId: string;
  appSecret: string;
  type?: 'custom' | 'store';
}

export interface FeishuSandboxOptions {
  host?: string;
  port?: number;
  apps?: SandboxApp[];
  /** `expire` of custom-app tenant tokens; store-app tokens get min(this, 7140). */
  tokenTtlSeconds?: number;
  /** Per API × appId × tenantKey; `false` disables the quota. */
  quota?: { perSecond: number; perMinute: number } | false;
  now?: () => number;
  /** One line per answered request; never contains bodies, tokens or secrets. */
  log?: (line: string) => void;
  /**
   * Extra routes outside Feishu's API (the sandbox's admin API, sandbox/admin.ts): called first for every request;
   * return true when handled. Such requests are not recorded.
   */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

export type SandboxFault =
  | { kind: 'error'; httpStatus: number; code: number; msg?: string }
  | {
      kind: 'rate_limit';
      resetSeconds: number;
      /** x-ogw-ratelimit-limit; default the per-second quota */ limit?: number;
    }
  | { kind: 'hang'; ms?: number }
  | { kind: 'drop' }
  | { kind: 'revoke_token' }
  | {
      kind: 'plain_text';
      httpStatus: number;
      text: string;
      /** default text/html for `<…`, else text/plain */ contentType?: string;
    };

/** What a request was for: a token endpoint, one of the Open APIs (sandbox/apis), or nothing known. */
export type SandboxEndpoint = TokenEndpoint | ApiEndpoint | 'unknown';

export interface RecordedRequest {
  seq: number;
  at: number;
  method: string;
  path: string;
  endpoint: SandboxEndpoint;
  headers: Record<string, string>;
  rawBody: string;
  body: unknown;
  examId?: string;
  appId?: string;
  tenantKey?: string;
  /** `status` 0: not answered (dropped, still hanging, or cut off by close()). */
  response: { status: number; code?: number; logId: string; fault?: SandboxFault['kind'] };
}

export type ExamState = 'open' | 'closed';

/** Whether the customer has finished marking the exam in Feishu: 'finished' makes update_result answer 1002855. */
export type ExamMarking = 'open' | 'finished';
