/**
 * The result half of `npm run chaos`: each exam gets 1–3 results from the "exam system" (the ingest's
 * `POST /exams/:examId/result`, retried like a real exam system retries), some before its arrangement, some while the previous one is still
 * being sent; the sandbox's answer lines tell the order in which update_result requests took effect (a hung request
 * takes effect after its hang, long after later requests arrived). The check: the last update_result Feishu applied
 * for each exam carries the newest result the exam system reported. Re-sends, duplicates and older requests that
 * landed late are counted, not failed: the settle re-send exists to heal those.
 */
import type { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import type { ExamResultBody } from '../../src/common/result-schemas';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where the exam system reports results: the ingest and its bearer token. */
export interface ResultTarget {
  ingestUrl: string;
  token: string;
  /** False once the run is over: retries stop. */
  isRunning(): boolean;
}

export interface ResultPlan {
  examId: string;
  /** How many results the exam system reports (1–3). */
  count: number;
  /** Whether the first one comes before the arrangement. */
  early: boolean;
  /** Pause before each later result (ms): short ones land while the previous is still in flight. */
  gaps: number[];
}

export function planResults(examId: string, random: () => number): ResultPlan {
  const count = 1 + Math.floor(random() * 3);
  return {
    examId,
    count,
    early: random() < 0.3,
    gaps: Array.from({ length: count }, () => (random() < 0.5 ? random() * 500 : 1_000 + random() * 4_000)),
  };
}

/** Key order does not matter to Feishu: compare bodies in one canonical form. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

interface ExamLedger {
  /** Bodies the workflow acknowledged, in order. */
  acked: ExamResultBody[];
  /** A body whose report attempt ended without an answer and was then refused: it may be the newest after all. */
  unsure?: ExamResultBody;
  refused: number;
}

/** What the exam system sent, and in which order Feishu applied update_result requests. */
export class ResultLedger {
  private readonly exams = new Map<string, ExamLedger>();
  /** Request seqs of update_result answers with code 0, in the order the sandbox answered them. */
  private readonly applied: number[] = [];
  reportRetries = 0;

  private of(examId: string): ExamLedger {
    let exam = this.exams.get(examId);
    if (!exam) this.exams.set(examId, (exam = { acked: [], refused: 0 }));
    return exam;
  }

  /** The workflow took this result (the route's 202): it is now the exam's newest. */
  noteAccepted(examId: string, body: ExamResultBody): void {
    this.of(examId).acked.push(body);
  }

  /** The sandbox's `log` option: one line per answer, written when the answer is decided. */
  readonly onSandboxLine = (line: string): void => {
    const match = /#(\d+) POST \/open-apis\/hire\/v1\/eco_exams\/[^/]+\/update_result → 200 code=0 /.exec(line);
    if (match) this.applied.push(Number(match[1]));
  };

  /**
   * Reports one result (`POST /exams/:examId/result`), retrying while the ingest answers 5xx (Temporal or every
   * worker away) or cannot be reached. Returns false when the exam refused it (409: it ended, or it was closed).
   */
  async report(target: ResultTarget, examId: string, body: ExamResultBody): Promise<boolean> {
    const exam = this.of(examId);
    let unanswered = false;
    for (let attempt = 0; attempt < 120 && target.isRunning(); attempt++) {
      let status = 0;
      try {
        const res = await fetch(`${target.ingestUrl}/exams/${examId}/result`, {
          method: 'POST',
          headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        status = res.status;
        await res.text();
      } catch {
        // the ingest cannot be reached: retry
      }
      if (status === 202) {
        this.noteAccepted(examId, body);
        return true;
      }
      if (status === 409) {
        exam.refused += 1;
        if (unanswered) exam.unsure = body;
        return false;
      }
      if (status >= 400 && status < 500) throw new Error(`exam ${examId}: a result was answered ${status}`);
      unanswered = true;
      this.reportRetries += 1;
      await sleep(1_000);
    }
    throw new Error(`exam ${examId}: a result was never answered`);
  }

  /** Sends the plan's results after the first (already sent or not, per `early`), at its gaps. */
  async sendRest(target: ResultTarget, plan: ResultPlan, from: number): Promise<void> {
    for (let n = from; n < plan.count; n++) {
      await sleep(plan.gaps[n] ?? 0);
      await this.report(target, plan.examId, resultBody(plan.examId, n));
    }
  }

  /** The invariant and the counts. `closed`: exams Feishu refused (no result may reach Feishu for them). */
  check(sandbox: Pick<FeishuSandbox, 'updateResultRequests'>, plans: ResultPlan[], closed: Set<string>) {
    const violations: string[] = [];
    const order = new Map(this.applied.map((seq, i) => [seq, i]));
    const counts = {
      reported: 0,
      refused: 0,
      requests: 0,
      accepted: 0,
      resends: 0,
      lateOlder: 0,
      matched: 0,
    };
    for (const plan of plans) {
      const exam = this.of(plan.examId);
      counts.reported += exam.acked.length;
      counts.refused += exam.refused;
      const requests = sandbox.updateResultRequests(plan.examId);
      counts.requests += requests.length;
      const accepted = requests
        .filter((r) => r.response.code === 0 && order.has(r.seq))
        .sort((a, b) => order.get(a.seq)! - order.get(b.seq)!);
      counts.accepted += accepted.length;
      const bodies = accepted.map((r) => canonical(r.body));
      counts.resends += bodies.length - new Set(bodies).size;
      if (closed.has(plan.examId)) {
        if (accepted.length > 0) violations.push(`${plan.examId}: closed on Feishu, yet a result was accepted`);
        continue;
      }
      const sent = exam.acked.map(canonical);
      const rank = (body: string) => sent.lastIndexOf(body);
      for (let i = 1; i < bodies.length; i++) {
        if (rank(bodies[i]!) < Math.max(...bodies.slice(0, i).map(rank))) counts.lateOlder += 1;
      }
      const newest = sent.at(-1);
      const candidates = [newest, exam.unsure && canonical(exam.unsure)].filter((b): b is string => !!b);
      if (candidates.length === 0) continue;
      const last = bodies.at(-1);
      if (last !== undefined && candidates.includes(last)) counts.matched += 1;
      else
        violations.push(
          `${plan.examId}: Feishu's last applied result is ${last === undefined ? 'none' : `#${rank(last) + 1}`}, the newest sent is #${sent.length}`,
        );
    }
    const rows: Array<[string, string]> = [
      ['results reported (refused: exam ended or closed)', `${counts.reported} (${counts.refused})`],
      ['result report retries (ingest 5xx or unreachable)', String(this.reportRetries)],
      ['update_result requests (accepted)', `${counts.requests} (${counts.accepted})`],
      ['accepted re-sends of an accepted body', String(counts.resends)],
      ['older result applied after a newer one (healed)', String(counts.lateOlder)],
      ['exams whose last applied result is the newest', `${counts.matched} / ${plans.length - closed.size}`],
    ];
    return { violations, rows };
  }
}

/** The n-th result of an exam: distinct per send, so the sandbox's log says which one took effect. */
export function resultBody(examId: string, n: number): ExamResultBody {
  return {
    result: String(50 + n * 10),
    result_time: String(1_700_000_000_000 + n),
    detail_list: [{ name: 'send', result: `${examId}#${n + 1}` }],
  };
}
