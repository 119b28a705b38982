/** What the account commands (papers, account, custom-fields) share: reading a JSON file, their typed errors. */
import { readFileSync } from 'node:fs';
import {
  AccountNotFoundError,
  CustomFieldRemovalError,
  InvalidCustomFieldListError,
  InvalidPaperListError,
  TenantKeyRequiredError,
} from '../../client';
import { CliError, EXIT, messageOf } from '../errors';

/** The JSON body a command sends; a missing file or invalid JSON is a usage error (the content is never echoed). */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(EXIT.usage, `--file: cannot read the file (${messageOf(err)})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(EXIT.usage, '--file: the file is not valid JSON');
  }
}

/** Runs a helper, turning its typed errors into exit codes: 3 invalid list, 4 no such account, 7 keys dropped. */
export async function withAccountErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (
      err instanceof InvalidPaperListError ||
      err instanceof InvalidCustomFieldListError ||
      err instanceof TenantKeyRequiredError
    ) {
      throw new CliError(EXIT.invalidArrangement, err.message);
    }
    if (err instanceof AccountNotFoundError) throw new CliError(EXIT.notFound, err.message);
    if (err instanceof CustomFieldRemovalError) throw new CliError(ACCOUNT_EXIT.keysDropped, err.message);
    throw err;
  }
}

export const ACCOUNT_EXIT = {
  /** custom-fields: the list drops keys Feishu holds (rerun with --confirm-removal). */
  keysDropped: 7,
} as const;
