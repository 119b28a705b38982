/**
 * The report of scripts/production-check.ts: what the flow found, and how long each phase took, as two tables.
 */
import { formatElapsed } from './provision';
import { reportTable } from './report-table';
import { TEMPORAL_SERVER_VERSION } from './temporal-server';
import type { ExamStatus } from '../../src/common/constants';

/** Timed phases, printed at the end. */
export class Timings {
  readonly rows: Array<[string, number]> = [];
  async time<T>(name: string, run: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await run();
    } finally {
      this.rows.push([name, Date.now() - started]);
    }
  }
}

export interface FlowResult {
  exams: number;
  finals: Map<string, ExamStatus>;
  runs: number;
  accepted: number;
  duplicates: number;
  loginInfoRequests: number;
  bySearchAttribute: number;
  restartMs: number;
  arrangeRetries: number;
  violations: string[];
}

export function printReport(result: FlowResult, timings: Timings, built: boolean, totalMs: number): void {
  const count = (status: string) => [...result.finals.values()].filter((s) => s === status).length;
  const rows: Array<[string, string]> = [
    ['exams', String(result.exams)],
    ['submitted / other', `${count('submitted')} / ${result.exams - count('submitted')}`],
    ['workflow runs (expected one per exam)', String(result.runs)],
    ['login_info requests / accepted', `${result.loginInfoRequests} / ${result.accepted}`],
    ['duplicate accepted login_info', String(result.duplicates)],
    ['found by ExamStatus = "submitted" (SQL visibility)', String(result.bySearchAttribute)],
    ['Temporal server restart (down → serving)', formatElapsed(result.restartMs)],
    ['arrangement retries (ingest 5xx or down)', String(result.arrangeRetries)],
    ['violations', String(result.violations.length)],
  ];
  const timingRows: Array<[string, string]> = [
    ...timings.rows.map(([name, ms]): [string, string] => [name, formatElapsed(ms)]),
    [`total (${built ? 'cold: the server was built' : 'warm: binaries cached'})`, formatElapsed(totalMs)],
  ];
  process.stdout.write(
    `\nproduction check — Temporal server v${TEMPORAL_SERVER_VERSION} on PostgreSQL — ${new Date().toISOString()}\n\n` +
      `${reportTable('check', rows)}\n\n${reportTable('phase', timingRows)}\n`,
  );
  for (const v of result.violations.slice(0, 50)) process.stdout.write(`VIOLATION ${v}\n`);
}
