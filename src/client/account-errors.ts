/** Errors of the account client helpers (./accounts.ts): what a caller can act on. Never values of the lists. */

export class InvalidPaperListError extends Error {
  constructor(readonly reason: string) {
    super(reason.startsWith('invalid paper list') ? reason : `invalid paper list: ${reason}`);
    this.name = 'InvalidPaperListError';
  }
}

export class InvalidCustomFieldListError extends Error {
  constructor(readonly reason: string) {
    super(reason.startsWith('invalid custom-field list') ? reason : `invalid custom-field list: ${reason}`);
    this.name = 'InvalidCustomFieldListError';
  }
}

/** The list drops keys Feishu may hold (deleted keys are never reusable there); resend with `confirm_removal: true`. */
export class CustomFieldRemovalError extends Error {
  constructor(
    message: string,
    readonly keys: string[],
  ) {
    super(message);
    this.name = 'CustomFieldRemovalError';
  }
}

/**
 * A store app needs the customer's tenant for every Feishu call: its first paper update for an account the bridge has
 * not seen, and every custom-field list, must name `tenant_key`.
 */
export class TenantKeyRequiredError extends Error {
  constructor(what = 'an account the bridge has not seen yet') {
    super(`tenant_key: is required for ${what} (store app: the customer tenant)`);
    this.name = 'TenantKeyRequiredError';
  }
}

export class AccountNotFoundError extends Error {
  constructor(readonly accountId: string) {
    super(`no account ${accountId}: neither its account-bound event nor a paper update has been received`);
    this.name = 'AccountNotFoundError';
  }
}
