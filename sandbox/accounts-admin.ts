/**
 * The admin API's reads of Feishu's account state (sandbox/eco-accounts.ts), wired into sandbox/admin.ts:
 *   GET /_sandbox/accounts/:accountId/papers[?appId=…&tenantKey=…]   the account's current paper list per app × tenant
 *   GET /_sandbox/custom-fields?scope=1|2[&appId=…&tenantKey=…]       the scope's custom fields and deleted keys
 * Answers `{accountId, lists: [{appId, tenantKey, papers}]}` and `{scope, lists: [{appId, tenantKey, fields,
 * deletedKeys}]}` (`tenantKey` null for custom apps); an app × tenant that published nothing is not listed.
 */
import type { EcoAccounts, EcoScope, TenantFilter } from './eco-accounts';

export interface AdminAnswer {
  status: number;
  body: Record<string, unknown>;
}

const PAPERS_PATH = /^\/accounts\/([^/]+)\/papers$/;

/** The answer when `method path` is one of these reads, else undefined. `path` is below /_sandbox. */
export function accountsAdminRead(
  accounts: EcoAccounts,
  method: string,
  path: string,
  query: URLSearchParams,
): AdminAnswer | undefined {
  if (method !== 'GET') return undefined;
  const filter = tenantFilter(query);
  const papers = PAPERS_PATH.exec(path)?.[1];
  if (papers !== undefined) {
    const accountId = decodeSegment(papers);
    if (accountId === undefined) return invalid('the account id in the path is not valid percent-encoding');
    return { status: 200, body: { accountId, lists: accounts.paperLists(accountId, filter) } };
  }
  if (path === '/custom-fields') {
    const scope = query.get('scope');
    if (scope !== '1' && scope !== '2') return invalid('scope: must be 1 or 2 (?scope=2)');
    const value: EcoScope = scope === '1' ? 1 : 2;
    return { status: 200, body: { scope: value, lists: accounts.customFieldLists(value, filter) } };
  }
  return undefined;
}

function tenantFilter(query: URLSearchParams): TenantFilter {
  const appId = query.get('appId');
  const tenantKey = query.get('tenantKey');
  return { ...(appId !== null && { appId }), ...(tenantKey !== null && { tenantKey }) };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function invalid(message: string): AdminAnswer {
  return { status: 400, body: { error: 'invalid', message } };
}
