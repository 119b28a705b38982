/**
 * What Feishu keeps of an exam vendor's accounts, per app × tenant (the token's): the current paper list of each
 * account (创建试卷列表 replaces it whole) and the account custom fields of each scope (1 背调, 2 笔试), with the keys
 * batch_delete removed, which can never be used again. The APIs in apis/ change it; the admin API and the event pusher
 * read it (a created-exam event can only use a paper that was published for its account).
 */

/** A paper as Feishu keeps it (the request's fields, `id` truncated to 255 characters). */
export interface EcoPaper {
  id: string;
  name: string;
  duration?: number;
  question_count?: number;
  start_time?: string;
  end_time?: string;
}

export interface I18nText {
  zh_cn?: string;
  en_us?: string;
}

export interface EcoCustomField {
  key: string;
  name: I18nText;
  is_required: boolean;
  description?: I18nText;
}

export type EcoScope = 1 | 2;

/** The app and tenant of the token a call presented (`tenantKey` undefined for custom apps). */
export interface TenantRef {
  appId: string;
  tenantKey: string | undefined;
}

interface ScopeFields {
  fields: EcoCustomField[];
  deletedKeys: Set<string>;
}

interface TenantAccounts {
  tenant: TenantRef;
  papers: Map<string, EcoPaper[]>;
  fields: Map<EcoScope, ScopeFields>;
}

/** One account's papers in one app × tenant, as the admin API shows them. */
export interface PaperListView {
  appId: string;
  tenantKey: string | null;
  papers: EcoPaper[];
}

/** One scope's custom fields in one app × tenant, as the admin API shows them. */
export interface CustomFieldsView {
  appId: string;
  tenantKey: string | null;
  fields: EcoCustomField[];
  deletedKeys: string[];
}

export interface TenantFilter {
  appId?: string;
  tenantKey?: string;
}

export class EcoAccounts {
  private readonly tenants = new Map<string, TenantAccounts>();

  /** The account's current paper list (empty when none was published). */
  papers(tenant: TenantRef, accountId: string): EcoPaper[] {
    return [...(this.tenantOf(tenant).papers.get(accountId) ?? [])];
  }

  /** 创建试卷列表 and batch_update both end here: the list Feishu keeps from now on. */
  setPapers(tenant: TenantRef, accountId: string, papers: EcoPaper[]): void {
    this.tenantOf(tenant).papers.set(
      accountId,
      papers.map((paper) => ({ ...paper })),
    );
  }

  fields(tenant: TenantRef, scope: EcoScope): EcoCustomField[] {
    return [...this.scopeOf(tenant, scope).fields];
  }

  deletedKeys(tenant: TenantRef, scope: EcoScope): ReadonlySet<string> {
    return new Set(this.scopeOf(tenant, scope).deletedKeys);
  }

  setFields(tenant: TenantRef, scope: EcoScope, fields: EcoCustomField[]): void {
    this.scopeOf(tenant, scope).fields = fields.map((field) => structuredClone(field));
  }

  /** Removes the keys for good: they join the scope's deleted keys. */
  deleteFields(tenant: TenantRef, scope: EcoScope, keys: ReadonlySet<string>): void {
    const state = this.scopeOf(tenant, scope);
    state.fields = state.fields.filter((field) => !keys.has(field.key));
    for (const key of keys) state.deletedKeys.add(key);
  }

  /** The account's paper list in every app × tenant the filter matches that has one. */
  paperLists(accountId: string, filter: TenantFilter = {}): PaperListView[] {
    return this.matching(filter).flatMap(({ tenant, papers }) => {
      const list = papers.get(accountId);
      return list ? [{ ...viewOf(tenant), papers: list.map((paper) => ({ ...paper })) }] : [];
    });
  }

  /** The scope's custom fields and deleted keys in every app × tenant the filter matches that has any. */
  customFieldLists(scope: EcoScope, filter: TenantFilter = {}): CustomFieldsView[] {
    return this.matching(filter).flatMap(({ tenant, fields }) => {
      const state = fields.get(scope);
      if (!state || (state.fields.length === 0 && state.deletedKeys.size === 0)) return [];
      return [
        {
          ...viewOf(tenant),
          fields: state.fields.map((field) => structuredClone(field)),
          deletedKeys: [...state.deletedKeys],
        },
      ];
    });
  }

  clear(): void {
    this.tenants.clear();
  }

  private matching(filter: TenantFilter): TenantAccounts[] {
    return [...this.tenants.values()].filter(
      ({ tenant }) =>
        (filter.appId === undefined || tenant.appId === filter.appId) &&
        (filter.tenantKey === undefined || tenant.tenantKey === filter.tenantKey),
    );
  }

  private tenantOf(tenant: TenantRef): TenantAccounts {
    const key = [tenant.appId, tenant.tenantKey ?? ''].join('\u0000');
    let accounts = this.tenants.get(key);
    if (!accounts) {
      accounts = { tenant: { ...tenant }, papers: new Map(), fields: new Map() };
      this.tenants.set(key, accounts);
    }
    return accounts;
  }

  private scopeOf(tenant: TenantRef, scope: EcoScope): ScopeFields {
    const accounts = this.tenantOf(tenant);
    let state = accounts.fields.get(scope);
    if (!state) {
      state = { fields: [], deletedKeys: new Set() };
      accounts.fields.set(scope, state);
    }
    return state;
  }
}

function viewOf(tenant: TenantRef): { appId: string; tenantKey: string | null } {
  return { appId: tenant.appId, tenantKey: tenant.tenantKey ?? null };
}
