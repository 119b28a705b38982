import type { RecordedRequest } from '../../sandbox/feishu-sandbox';
import { logLine } from '../../sandbox/request-log';
import { PaperLedger, paperList, type AccountPlan, type FinalLists } from '../../scripts/support/chaos-papers';

/**
 * The chaos run's paper check (scripts/support/chaos-papers.ts): Feishu's final list of each account must be the
 * newest list the ingest accepted (its highest seq), whatever order the PUTs were sent in; the sandbox's answer order
 * says which eco_exam_papers request took effect last.
 */
const ACCOUNT = '60000010000';
const plan: AccountPlan = { accountId: ACCOUNT, byEvent: false, startAfter: 0, lists: 2, gaps: [0, 0] };
const request = (seq: number, n: number, options: { code?: number; status?: number; fault?: string } = {}) =>
  ({
    seq,
    method: 'POST',
    path: '/open-apis/hire/v1/eco_exam_papers',
    endpoint: 'eco_exam_papers',
    body: { account_id: ACCOUNT, paper_list: paperList(ACCOUNT, n) },
    response: {
      status: options.status ?? 200,
      ...(options.status !== 0 && { code: options.code ?? 0 }),
      logId: `l${seq}`,
      ...(options.fault && { fault: options.fault }),
    },
  }) as unknown as RecordedRequest;
const answered = (ledger: PaperLedger, record: RecordedRequest) => ledger.onSandboxLine(logLine(record));
const finals = (n: number | undefined): FinalLists =>
  new Map([[ACCOUNT, n === undefined ? undefined : paperList(ACCOUNT, n)]]);

/** Lists 0 and 1 accepted by the ingest; `swapped`: list 1 was taken first (two PUTs at once). */
function ledgerWithTwoLists(swapped = false): PaperLedger {
  const ledger = new PaperLedger();
  ledger.noteAccepted(ACCOUNT, paperList(ACCOUNT, 0), swapped ? 2 : 1);
  ledger.noteAccepted(ACCOUNT, paperList(ACCOUNT, 1), swapped ? 1 : 2);
  return ledger;
}

describe('the chaos run’s newest-paper-list check', () => {
  it('passes when an older list lands late and the settle re-send puts the newest back', () => {
    const ledger = ledgerWithTwoLists();
    const requests = [request(1, 0, { fault: 'hang' }), request(2, 1), request(3, 1)];
    for (const i of [1, 0, 2]) answered(ledger, requests[i]!);
    const { violations, rows } = ledger.check(requests, finals(1), [plan]);
    expect(violations).toEqual([]);
    expect(Object.fromEntries(rows)).toMatchObject({
      'applied re-sends of an applied list': '1',
      'older paper list applied after a newer one (healed)': '1',
      'accounts whose Feishu list is the newest accepted (or an unanswered PUT’s)': '1 / 1 (0)',
      'eco_exam_papers requests (applied)': '3 (3)',
    });
  });

  it('fails when Feishu holds an older list than the newest accepted, and when it holds none', () => {
    const ledger = ledgerWithTwoLists();
    const requests = [request(1, 0, { fault: 'hang' }), request(2, 1)];
    for (const i of [1, 0]) answered(ledger, requests[i]!);
    expect(ledger.check(requests, finals(0), [plan]).violations).toEqual([
      `${ACCOUNT}: Feishu's final paper list is seq 1, the newest accepted is seq 2`,
    ]);
    expect(ledger.check(requests, finals(undefined), [plan]).violations).toEqual([
      `${ACCOUNT}: Feishu's final paper list is none, the newest accepted is seq 2`,
    ]);
  });

  it('takes the newest by the seq the ingest answered, not by the order the lists were sent', () => {
    const ledger = ledgerWithTwoLists(true);
    const requests = [request(1, 1), request(2, 0)];
    for (const record of requests) answered(ledger, record);
    const { violations, rows } = ledger.check(requests, finals(0), [plan]);
    expect(violations).toEqual([]);
    expect(Object.fromEntries(rows)['older paper list applied after a newer one (healed)']).toBe('0');
    expect(ledger.check(requests, finals(1), [plan]).violations).toHaveLength(1);
  });

  it('accepts, and counts, a final list whose PUT went unanswered (the workflow may have taken it unseen)', () => {
    const ledger = ledgerWithTwoLists();
    ledger.noteUnanswered(ACCOUNT, paperList(ACCOUNT, 2));
    const requests = [request(1, 1), request(2, 2)];
    for (const record of requests) answered(ledger, record);
    const { violations, rows } = ledger.check(requests, finals(2), [plan]);
    expect(violations).toEqual([]);
    expect(Object.fromEntries(rows)).toMatchObject({
      'paper lists accepted by the ingest (PUT unanswered)': '2 (1)',
      'accounts whose Feishu list is the newest accepted (or an unanswered PUT’s)': '1 / 1 (1)',
    });
  });

  it('ignores refused answers in the applied order', () => {
    const ledger = ledgerWithTwoLists();
    const requests = [request(1, 1), request(2, 0, { code: 1002001, status: 500 })];
    for (const record of requests) answered(ledger, record);
    const { violations, rows } = ledger.check(requests, finals(1), [plan]);
    expect(violations).toEqual([]);
    expect(Object.fromEntries(rows)['eco_exam_papers requests (applied)']).toBe('2 (1)');
  });

  it('calls an account unsettled while a request hangs or Feishu does not hold the newest list; a drop never lands', () => {
    const ledger = ledgerWithTwoLists();
    const settled = [request(1, 1), request(2, 0, { status: 0, fault: 'drop' })];
    expect(ledger.unsettled(settled, finals(1), [plan])).toEqual([]);
    expect(ledger.unsettled([...settled, request(3, 0, { status: 0, fault: 'hang' })], finals(1), [plan])).toEqual([
      ACCOUNT,
    ]);
    expect(ledger.unsettled(settled, finals(0), [plan])).toEqual([ACCOUNT]);
    expect(ledger.unsettled(settled, finals(undefined), [plan])).toEqual([ACCOUNT]);
  });
});
