/** What the account-level APIs (papers, custom fields) share: paths without parameters, state per app × tenant. */
import type { TenantRef } from '../eco-accounts';
import type { ApiCall, ApiPathParams } from './api';

/** The app × tenant whose state a call reads and changes: the one of the token it presented. */
export function tenantOfCall(call: ApiCall): TenantRef {
  return { appId: call.record.appId ?? '', tenantKey: call.record.tenantKey };
}

/** A matcher for a path without parameters. */
export function exactPath(path: string): (candidate: string) => ApiPathParams | undefined {
  return (candidate) => (candidate === path ? {} : undefined);
}
