/**
 * The paper half of `npm run chaos`: a handful of accounts, each bound by the account-bound event (signed like
 * Feishu's) or by its first paper update, gets 2–4 full paper lists PUT through the ingest
 * (`PUT /accounts/:accountId/papers`, retried like a real exam system retries) at random times, some while the previous
 * PUT is still open, under the same Feishu faults as the exams. The ingest's 202 carries the list's `seq` in the
 * account's workflow: the highest one is the newest list. The sandbox's answer lines tell the order in which
 * eco_exam_papers requests took effect (a hung request takes effect after its hang). The check: Feishu's final list of
 * each account (the sandbox's admin read) is the newest list the ingest accepted. Re-sends and older lists that landed
 * late are counted, not failed: the settle re-send exists to heal those.
 */
import { pushAccountCreated } from '../../sandbox/event-pusher';
import type { FeishuSandbox, RecordedRequest } from '../../sandbox/feishu-sandbox';
import type { Paper } from '../../src/common/account-schemas';
import { canonical, type ResultTarget } from './chaos-results';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Where Feishu's events go: the ingest's webhook and the app's event secrets. */
export interface EventTarget {
  webhookUrl: string;
  verificationToken: string;
  encryptKey: string;
}

export interface AccountPlan {
  accountId: string;
  /** Bound by the account-bound event before its first list; else the first PUT starts its workflow. */
  byEvent: boolean;
  /** Pause before the account's first list (ms): the accounts are spread over the run. */
  startAfter: number;
  /** How many full lists the exam system PUTs (2–4). */
  lists: number;
  /** Pause before each later list (ms); a short one is PUT without waiting for the previous answer. */
  gaps: number[];
}

export function planAccounts(prefix: string, count: number, random: () => number, spreadMs: number): AccountPlan[] {
  return Array.from({ length: count }, (_, i) => {
    const lists = 2 + Math.floor(random() * 3);
    return {
      accountId: `${prefix}${String(i).padStart(4, '0')}`,
      byEvent: random() < 0.5,
      startAfter: random() * spreadMs,
      lists,
      gaps: Array.from({ length: lists }, () => (random() < 0.5 ? random() * 500 : 1_000 + random() * 4_000)),
    };
  });
}

/** Gaps below this are PUT at once, while the previous PUT is still open. */
const CONCURRENT_GAP_MS = 1_000;

/** The n-th list of an account: 1–3 papers with ids distinct per list, so Feishu's state says which list it holds. */
export function paperList(accountId: string, n: number): Paper[] {
  return Array.from({ length: 1 + (n % 3) }, (_, i) => ({
    id: `${accountId}-l${n + 1}-p${i + 1}`,
    name: `Chaos paper ${n + 1}.${i + 1}`,
    duration: 30 + i,
    question_count: 10 + n,
  }));
}

interface AccountLedger {
  /** canonical(list) → the seq the workflow gave it (its 202). */
  accepted: Map<string, number>;
  /** Lists a PUT attempt of which ended without an answer: the workflow may have taken them too. */
  unsure: Set<string>;
}

/** Feishu's final list of each account (the sandbox's admin read); undefined when it holds none. */
export type FinalLists = Map<string, Paper[] | undefined>;

/** What the exam system PUT, and in which order Feishu applied eco_exam_papers requests. */
export class PaperLedger {
  private readonly accounts = new Map<string, AccountLedger>();
  /** Request seqs of eco_exam_papers answers with code 0, in the order the sandbox answered them. */
  private readonly applied: number[] = [];
  putRetries = 0;
  eventDeliveries = 0;

  private of(accountId: string): AccountLedger {
    let account = this.accounts.get(accountId);
    if (!account) this.accounts.set(accountId, (account = { accepted: new Map(), unsure: new Set() }));
    return account;
  }

  /** The ingest answered 202 with the list's seq in the account's workflow. */
  noteAccepted(accountId: string, list: Paper[], seq: number): void {
    this.of(accountId).accepted.set(canonical(list), seq);
  }

  /** A PUT attempt of this list ended without an answer (ingest 5xx or unreachable). */
  noteUnanswered(accountId: string, list: Paper[]): void {
    this.of(accountId).unsure.add(canonical(list));
  }

  /** The sandbox's `log` option: one line per answer, written when the answer is decided. */
  readonly onSandboxLine = (line: string): void => {
    const match = /#(\d+) POST \/open-apis\/hire\/v1\/eco_exam_papers → 200 code=0 /.exec(line);
    if (match) this.applied.push(Number(match[1]));
  };

  /** Delivers the account-bound event until the ingest answers 200 (Feishu redelivers while it fails). */
  async bind(target: EventTarget, accountId: string, isRunning: () => boolean): Promise<void> {
    for (let attempt = 0; attempt < 60 && isRunning(); attempt++) {
      try {
        const { deliveries } = await pushAccountCreated({
          ...target,
          accountId,
          accountName: `chaos ${accountId}`,
          eventId: `ev-account-${accountId}`,
          customFields: [{ key: 'ord_id', value: `ord-${accountId}` }],
        });
        this.eventDeliveries += deliveries.length;
        if (deliveries.some((d) => d.status === 200)) return;
      } catch {
        this.eventDeliveries += 1;
      }
      await sleep(1_000);
    }
    throw new Error(`account ${accountId}: the account-bound event was never accepted`);
  }

  /** PUTs one full list, retrying while the ingest answers 5xx or cannot be reached. */
  async put(target: ResultTarget, accountId: string, list: Paper[]): Promise<void> {
    for (let attempt = 0; attempt < 120 && target.isRunning(); attempt++) {
      let status = 0;
      let seq: unknown;
      try {
        const res = await fetch(`${target.ingestUrl}/accounts/${accountId}/papers`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${target.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ paper_list: list }),
        });
        status = res.status;
        const text = await res.text();
        if (status === 202) seq = (JSON.parse(text) as { seq?: unknown }).seq;
      } catch {
        // the ingest cannot be reached: retry
      }
      if (status === 202) {
        if (typeof seq !== 'number') throw new Error(`account ${accountId}: a 202 without a seq`);
        this.noteAccepted(accountId, list, seq);
        return;
      }
      if (status >= 400 && status < 500) throw new Error(`account ${accountId}: a paper list was answered ${status}`);
      this.noteUnanswered(accountId, list);
      this.putRetries += 1;
      await sleep(1_000);
    }
    throw new Error(`account ${accountId}: a paper list was never answered`);
  }

  /** One account's traffic: its event (if planned), then its lists at its gaps. */
  async run(target: ResultTarget, events: EventTarget, plan: AccountPlan): Promise<void> {
    await sleep(plan.startAfter);
    if (plan.byEvent) await this.bind(events, plan.accountId, () => target.isRunning());
    const puts: Array<Promise<void>> = [];
    for (let n = 0; n < plan.lists; n++) {
      const gap = n === 0 ? 0 : (plan.gaps[n] ?? 0);
      await sleep(gap);
      if (gap >= CONCURRENT_GAP_MS) await puts.at(-1);
      puts.push(this.put(target, plan.accountId, paperList(plan.accountId, n)));
    }
    await Promise.all(puts);
  }

  /** The newest list the ingest accepted (highest seq), canonical. */
  private newest(accountId: string): string | undefined {
    let best: [string, number] | undefined;
    for (const entry of this.of(accountId).accepted) if (!best || entry[1] > best[1]) best = entry;
    return best?.[0];
  }

  /** Feishu's final list may be this account's answer: the newest accepted, or one the workflow may have taken unseen. */
  private candidates(accountId: string): string[] {
    const newest = this.newest(accountId);
    return [...(newest === undefined ? [] : [newest]), ...this.of(accountId).unsure];
  }

  /**
   * Accounts still moving: a papers request of theirs is still unanswered (a hang: it may land yet), or Feishu's
   * list is not yet the newest (the settle re-send is due). Dropped requests never land.
   */
  unsettled(requests: RecordedRequest[], finals: FinalLists, plans: AccountPlan[]): string[] {
    return plans
      .map((p) => p.accountId)
      .filter((accountId) => {
        const hanging = papersRequests(requests, accountId).some(
          (r) => r.response.status === 0 && r.response.fault !== 'drop',
        );
        const final = finals.get(accountId);
        return hanging || final === undefined || canonical(final) !== this.newest(accountId);
      });
  }

  /**
   * Waits (at most `maxMs`) until no papers request may still land and Feishu holds each account's newest list — or,
   * when an older list landed last, until the settle re-send (the ingest's default delay, 2 minutes) puts it back.
   */
  async settle(sandbox: Pick<FeishuSandbox, 'requests' | 'url'>, plans: AccountPlan[], maxMs: number): Promise<void> {
    const deadline = Date.now() + maxMs;
    while (this.unsettled(sandbox.requests, await readFinalLists(sandbox.url, plans), plans).length > 0) {
      if (Date.now() >= deadline) return;
      await sleep(2_000);
    }
  }

  /** The invariant and the counts. */
  check(requests: RecordedRequest[], finals: FinalLists, plans: AccountPlan[]) {
    const violations: string[] = [];
    const order = new Map(this.applied.map((seq, i) => [seq, i]));
    const counts = {
      accepted: 0,
      unsure: 0,
      requests: 0,
      applied: 0,
      resends: 0,
      lateOlder: 0,
      matched: 0,
      matchedUnsure: 0,
    };
    for (const { accountId } of plans) {
      const account = this.of(accountId);
      counts.accepted += account.accepted.size;
      counts.unsure += account.unsure.size;
      const sent = papersRequests(requests, accountId);
      counts.requests += sent.length;
      const applied = sent
        .filter((r) => r.response.code === 0 && order.has(r.seq))
        .sort((a, b) => order.get(a.seq)! - order.get(b.seq)!)
        .map((r) => canonical((r.body as { paper_list?: unknown }).paper_list));
      counts.applied += applied.length;
      counts.resends += applied.length - new Set(applied).size;
      const rank = (list: string) => account.accepted.get(list) ?? -1;
      for (let i = 1; i < applied.length; i++) {
        if (rank(applied[i]!) < Math.max(...applied.slice(0, i).map(rank))) counts.lateOlder += 1;
      }
      const newest = this.newest(accountId);
      if (newest === undefined) {
        violations.push(`${accountId}: no paper list was accepted by the ingest`);
        continue;
      }
      const final = finals.get(accountId);
      const finalList = final === undefined ? undefined : canonical(final);
      if (finalList === newest) counts.matched += 1;
      else if (finalList !== undefined && this.candidates(accountId).includes(finalList)) counts.matchedUnsure += 1;
      else
        violations.push(
          `${accountId}: Feishu's final paper list is ${finalList === undefined ? 'none' : `seq ${rank(finalList)}`}, the newest accepted is seq ${rank(newest)}`,
        );
    }
    const rows: Array<[string, string]> = [
      [
        'accounts (bound by event / by first paper PUT)',
        `${plans.length} (${plans.filter((p) => p.byEvent).length} / ${plans.filter((p) => !p.byEvent).length})`,
      ],
      ['paper lists accepted by the ingest (PUT unanswered)', `${counts.accepted} (${counts.unsure})`],
      ['paper PUT retries (ingest 5xx or unreachable)', String(this.putRetries)],
      ['eco_exam_papers requests (applied)', `${counts.requests} (${counts.applied})`],
      ['applied re-sends of an applied list', String(counts.resends)],
      ['older paper list applied after a newer one (healed)', String(counts.lateOlder)],
      [
        'accounts whose Feishu list is the newest accepted (or an unanswered PUT’s)',
        `${counts.matched + counts.matchedUnsure} / ${plans.length} (${counts.matchedUnsure})`,
      ],
    ];
    return { violations, rows };
  }
}

function papersRequests(requests: RecordedRequest[], accountId: string): RecordedRequest[] {
  return requests.filter(
    (r) => r.endpoint === 'eco_exam_papers' && (r.body as { account_id?: unknown } | null)?.account_id === accountId,
  );
}

/** Feishu's final lists, read through the sandbox's admin API (one app, no tenant: the chaos run's custom app). */
export async function readFinalLists(sandboxUrl: string, plans: AccountPlan[]): Promise<FinalLists> {
  const finals: FinalLists = new Map();
  for (const { accountId } of plans) {
    const res = await fetch(`${sandboxUrl}/_sandbox/accounts/${encodeURIComponent(accountId)}/papers`);
    if (!res.ok) throw new Error(`the sandbox's paper read answered ${res.status}`);
    const body = (await res.json()) as { lists?: Array<{ papers: Paper[] }> };
    finals.set(accountId, body.lists?.[0]?.papers);
  }
  return finals;
}
