/** Entry-point tests run the entries through the project's one child-process helper (scripts/support/child-process.ts). */
import { spawnEntry, type RunningEntry } from '../../scripts/support/child-process';

export { ROOT } from '../../scripts/support/child-process';
export type RunningProcess = RunningEntry;

/** Runs `<entry>` with exactly `env` (plus PATH/HOME), capturing stdout and stderr together. */
export function runEntry(entry: string, env: Record<string, string>): RunningProcess {
  return spawnEntry(entry, { env });
}
