import type { RecordedRequest } from '../../sandbox/feishu-sandbox';
import { logLine } from '../../sandbox/request-log';
import { ResultLedger, canonical, resultBody, type ResultPlan } from '../../scripts/support/chaos-results';

/**
 * The chaos run's result check (scripts/support/chaos-results.ts): Feishu's last APPLIED update_result — the sandbox's
 * answer order, not the arrival order — must carry the newest result reported.
 */
const EXAM = '7000001';
const plan: ResultPlan = { examId: EXAM, count: 2, early: false, gaps: [0, 0] };
const request = (seq: number, n: number, code = 0, fault?: string) =>
  ({
    seq,
    method: 'POST',
    path: `/open-apis/hire/v1/eco_exams/${EXAM}/update_result`,
    endpoint: 'update_result',
    examId: EXAM,
    body: resultBody(EXAM, n),
    response: { status: 200, code, logId: `l${seq}`, ...(fault && { fault }) },
  }) as unknown as RecordedRequest;
/** The sandbox's own answer line (sandbox/request-log.ts), as its `log` option receives it. */
const answered = (ledger: ResultLedger, record: RecordedRequest) => ledger.onSandboxLine(logLine(record));

function ledgerWithTwoResults(): ResultLedger {
  const ledger = new ResultLedger();
  ledger.noteAccepted(EXAM, resultBody(EXAM, 0));
  ledger.noteAccepted(EXAM, resultBody(EXAM, 1));
  return ledger;
}

describe('the chaos run’s newest-result check', () => {
  it('passes when an older request lands late and the settle re-send puts the newest back', () => {
    const ledger = ledgerWithTwoResults();
    const requests = [request(1, 0, 0, 'hang'), request(2, 1), request(3, 1)];
    // #1 hung past the client timeout: it took effect after #2; #3 is the settle re-send of the newest.
    for (const i of [1, 0, 2]) answered(ledger, requests[i]!);
    const { violations, rows } = ledger.check({ updateResultRequests: () => requests }, [plan], new Set());
    expect(violations).toEqual([]);
    expect(Object.fromEntries(rows)).toMatchObject({
      'accepted re-sends of an accepted body': '1',
      'older result applied after a newer one (healed)': '1',
      'exams whose last applied result is the newest': '1 / 1',
    });
  });

  it('fails when the late older request is the last one applied, even though it arrived first', () => {
    const ledger = ledgerWithTwoResults();
    const requests = [request(1, 0, 0, 'hang'), request(2, 1)];
    for (const i of [1, 0]) answered(ledger, requests[i]!);
    const { violations } = ledger.check({ updateResultRequests: () => requests }, [plan], new Set());
    expect(violations).toEqual([`${EXAM}: Feishu's last applied result is #1, the newest sent is #2`]);
  });

  it('ignores refused answers, and fails a closed exam that got any result through', () => {
    const ledger = ledgerWithTwoResults();
    const requests = [request(1, 1), request(2, 0, 1002001)];
    for (const record of requests) answered(ledger, record);
    expect(ledger.check({ updateResultRequests: () => requests }, [plan], new Set()).violations).toEqual([]);
    expect(ledger.check({ updateResultRequests: () => requests }, [plan], new Set([EXAM])).violations).toEqual([
      `${EXAM}: closed on Feishu, yet a result was accepted`,
    ]);
  });

  it('compares bodies whatever their key order', () => {
    expect(canonical({ b: [1, { d: 1, c: 2 }], a: 'x' })).toBe(canonical({ a: 'x', b: [1, { c: 2, d: 1 }] }));
    expect(canonical({ a: '1' })).not.toBe(canonical({ a: 1 }));
  });
});
