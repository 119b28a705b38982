import type { SyncStatus } from './account-constants';
import type { ExamError } from './types';

/** Where a list (an account's papers, the vendor's custom fields) stands with Feishu. Never the list itself. */
export interface SyncView {
  status: SyncStatus;
  /** Attempts of the last send. */
  attempts: number;
  lastError?: ExamError;
  /** ISO time Feishu last accepted a list. */
  syncedAt?: string;
  /** Items in the list Feishu last accepted. */
  count?: number;
  /** A newer list is held or in flight, not yet accepted by Feishu. */
  pending: boolean;
  /** Lists Feishu accepted so far (settle re-sends not counted). */
  updates: number;
  /** Lists refused because invalid (signals only: the update refuses them up front). */
  invalidUpdates: number;
}

/**
 * The `accountStatus` query. Custom-field KEYS only: the customer's values are customer data (possibly credentials)
 * and never leave the workflow's encrypted input and state — GET /accounts/:accountId reads them from the input.
 */
export interface AccountStatusView {
  accountId: string;
  tenantKey?: string;
  /** Whether the account-bound event reached the workflow (false: seen through a paper update only, so far). */
  bound: boolean;
  name?: string;
  scope?: number;
  usage?: number[];
  customFieldKeys: string[];
  /** Whether `account.bound` reached the exam system (undefined: not asked for, or not sent yet). */
  examSystemNotified?: boolean;
  papers: SyncView;
}

/** GET /accounts/:accountId: the status plus the customer's custom-field values (for the exam system only). */
export interface AccountView extends AccountStatusView {
  customFields: Array<{ key: string; value?: string }>;
}

/** The `accountCustomFieldsStatus` query: the keys Feishu holds and the sync's state. */
export interface CustomFieldsStatusView {
  tenantKey?: string;
  /** Keys of the list Feishu last accepted. */
  syncedKeys: string[];
  /** Keys of the newest list taken (pending or synced). */
  keys: string[];
  sync: SyncView;
}

/** What the sync activities return. */
export interface SyncResult {
  attempt: number;
  logId?: string;
}

/** The publish and register updates' answer: the list is taken; only the newest is ever sent. */
export interface ListAccepted {
  accepted: true;
  /** The list's number in its workflow (later lists have higher numbers). */
  seq: number;
}
