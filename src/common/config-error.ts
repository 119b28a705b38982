/**
 * A configuration problem (a missing or bad environment variable, a taken port): each line names the variable and
 * the reason, never its value. Entries exit with code 2 on it (src/entry.ts). Parsing lives in src/config; the class
 * lives here so that shared helpers (src/common/listen.ts) can raise it too.
 */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
