/**
 * The worker side of the shared 429 holds (src/feishu/shared-holds.ts) and the gate that honours them: reads at most
 * once per interval, one at a time, bounded by a timeout, a failed read keeps what was known; publishes are fire and
 * forget, deduplicated and bounded; the gate holds on its own 429s and on the shared ones.
 */
import { RateLimitGate, SharedRateHolds, tenantTag, type SharedHold, type SharedHoldStore } from '../../src/feishu';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: Error): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A store whose reads and publishes the test answers by hand. */
class ManualStore implements SharedHoldStore {
  readonly reads: Array<{ answer: Deferred<SharedHold[]>; signal: AbortSignal }> = [];
  readonly publishes: Array<{ hold: SharedHold; answer: Deferred<void>; signal: AbortSignal }> = [];
  read(signal: AbortSignal): Promise<SharedHold[]> {
    const answer = deferred<SharedHold[]>();
    this.reads.push({ answer, signal });
    return answer.promise;
  }
  publish(hold: SharedHold, signal: AbortSignal): Promise<void> {
    const answer = deferred<void>();
    this.publishes.push({ hold, answer, signal });
    return answer.promise;
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

let now = 1_000_000;
const clock = () => now;
const A = 'tenant-a';

function setup(options: ConstructorParameters<typeof SharedRateHolds>[1] = {}) {
  const store = new ManualStore();
  const errors: Array<[string, string]> = [];
  const holds = new SharedRateHolds(store, {
    now: clock,
    onError: (what, err) => errors.push([what, (err as Error).message]),
    ...options,
  });
  return { store, holds, errors };
}

beforeEach(() => {
  now = 1_000_000;
});

describe('SharedRateHolds reads', () => {
  it('reads once for all concurrent callers, then not again within the interval', async () => {
    const { store, holds } = setup();
    const callers = [holds.fresh(), holds.fresh(), holds.fresh()];
    expect(store.reads).toHaveLength(1);
    store.reads[0]!.answer.resolve([{ api: 'login_info', tenant: tenantTag(A), untilMs: now + 3000 }]);
    await Promise.all(callers);
    expect(holds.remaining('login_info', A)).toBe(3000);
    expect(holds.remaining('login_info', 'tenant-b')).toBe(0);
    expect(holds.remaining('update_result', A)).toBe(0);

    now += 999;
    await holds.fresh();
    expect(store.reads).toHaveLength(1);
    now += 1;
    const again = holds.fresh();
    expect(store.reads).toHaveLength(2);
    store.reads[1]!.answer.resolve([]);
    await again;
    // The store no longer has it: the shared view is replaced, not merged.
    expect(holds.remaining('login_info', A)).toBe(0);
  });

  it('keeps what it knew when a read fails, and tries again after the interval', async () => {
    const { store, holds, errors } = setup();
    const first = holds.fresh();
    store.reads[0]!.answer.resolve([{ api: 'login_info', tenant: tenantTag(A), untilMs: now + 5000 }]);
    await first;
    now += 1000;
    const second = holds.fresh();
    store.reads[1]!.answer.reject(new Error('unavailable'));
    await expect(second).resolves.toBeUndefined();
    expect(errors).toEqual([['read', 'unavailable']]);
    expect(holds.remaining('login_info', A)).toBe(4000);
    await holds.fresh();
    expect(store.reads).toHaveLength(2);
    now += 1000;
    void holds.fresh();
    expect(store.reads).toHaveLength(3);
  });

  it('while Temporal does not answer, callers go on with what was known: the next read runs in the background', async () => {
    const { store, holds } = setup();
    const first = holds.fresh();
    store.reads[0]!.answer.reject(new Error('unavailable'));
    await first;
    now += 1000;
    const second = holds.fresh();
    expect(store.reads).toHaveLength(2);
    // Not waiting for the read in flight: it resolves before that read is answered.
    const settled = await Promise.race([second.then(() => 'went on'), flush().then(() => 'waited')]);
    expect(settled).toBe('went on');
    await expect(holds.fresh()).resolves.toBeUndefined();
    expect(store.reads).toHaveLength(2);
    // Once a read succeeds again, callers wait for the fresh view as before.
    store.reads[1]!.answer.resolve([]);
    await flush();
    now += 1000;
    const third = holds.fresh();
    const waited = await Promise.race([third.then(() => 'went on'), flush().then(() => 'waited')]);
    expect(waited).toBe('waited');
    store.reads[2]!.answer.resolve([]);
    await third;
  });

  it('counts the interval from the end of a read, not its start', async () => {
    const { store, holds } = setup();
    const first = holds.fresh();
    now += 900; // a slow read
    store.reads[0]!.answer.resolve([]);
    await first;
    now += 500;
    await holds.fresh();
    expect(store.reads).toHaveLength(1);
    now += 500;
    void holds.fresh();
    expect(store.reads).toHaveLength(2);
  });

  it('gives up on a read after the timeout (aborting it) and never blocks longer', async () => {
    const { store, holds, errors } = setup({ readTimeoutMs: 30 });
    const started = Date.now();
    await holds.fresh();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(store.reads[0]!.signal.aborted).toBe(true);
    expect(errors).toEqual([['read', 'no answer within 30 ms']]);
  });

  it('ignores ended holds and keeps the latest end per API × tenant', async () => {
    const { store, holds } = setup();
    const reading = holds.fresh();
    const tag = tenantTag(A);
    store.reads[0]!.answer.resolve([
      { api: 'login_info', tenant: tag, untilMs: now - 1 },
      { api: 'update_result', tenant: tag, untilMs: now + 1000 },
      { api: 'update_result', tenant: tag, untilMs: now + 2000 },
    ]);
    await reading;
    expect(holds.remaining('login_info', A)).toBe(0);
    expect(holds.remaining('update_result', A)).toBe(2000);
    now += 2000;
    expect(holds.remaining('update_result', A)).toBe(0);
  });
});

describe('SharedRateHolds publishes', () => {
  it('sends a hold with the tenant tag only, once per API × tenant unless it ends later', async () => {
    const { store, holds } = setup();
    holds.publish('login_info', A, now + 3000);
    holds.publish('login_info', A, now + 3100); // within the slack of the one in flight
    holds.publish('login_info', 'tenant-b', now + 3000);
    expect(store.publishes.map((p) => p.hold)).toEqual([
      { api: 'login_info', tenant: tenantTag(A), untilMs: now + 3000 },
      { api: 'login_info', tenant: tenantTag('tenant-b'), untilMs: now + 3000 },
    ]);
    expect(JSON.stringify(store.publishes.map((p) => p.hold))).not.toContain(A);
    holds.publish('login_info', A, now + 6000);
    expect(store.publishes).toHaveLength(3);
    expect(tenantTag(A)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('drops publishes beyond the bound and reports failures; a failed one may be sent again', async () => {
    const { store, holds, errors } = setup({ maxPublishing: 2 });
    holds.publish('login_info', 't1', now + 1000);
    holds.publish('login_info', 't2', now + 1000);
    holds.publish('login_info', 't3', now + 1000);
    expect(store.publishes).toHaveLength(2);
    expect(errors).toEqual([['publish', '2 publishes already in flight; this hold stays local']]);
    store.publishes[0]!.answer.reject(new Error('unavailable'));
    await flush();
    expect(errors[1]).toEqual(['publish', 'unavailable']);
    holds.publish('login_info', 't1', now + 1000);
    expect(store.publishes).toHaveLength(3);
  });

  it('abandons a publish after its timeout', async () => {
    const { store, holds, errors } = setup({ publishTimeoutMs: 20 });
    holds.publish('login_info', A, now + 1000);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(store.publishes[0]!.signal.aborted).toBe(true);
    expect(errors).toEqual([['publish', 'no answer within 20 ms']]);
  });
});

describe('RateLimitGate with shared holds', () => {
  it('holds on its own 429 (and publishes it) and on a hold another worker published', async () => {
    const { store, holds } = setup();
    const gate = new RateLimitGate(clock, holds);
    gate.hold(A, 2000, 'login_info');
    expect(gate.remaining(A, 'login_info')).toBe(2000);
    expect(store.publishes.map((p) => p.hold)).toEqual([
      { api: 'login_info', tenant: tenantTag(A), untilMs: now + 2000 },
    ]);

    const waiting = gate.remainingFresh('tenant-b', 'update_result');
    store.reads[0]!.answer.resolve([{ api: 'update_result', tenant: tenantTag('tenant-b'), untilMs: now + 4000 }]);
    await expect(waiting).resolves.toBe(4000);
    expect(gate.remaining('tenant-b', 'login_info')).toBe(0);
    // The longer of the two wins.
    gate.hold('tenant-b', 1000, 'update_result');
    expect(gate.remaining('tenant-b', 'update_result')).toBe(4000);
  });

  it('holds app_access_token for every tenant (the app’s quota), tenant_access_token per tenant', () => {
    const gate = new RateLimitGate(clock);
    gate.hold(A, 3000, 'app_access_token');
    gate.hold(A, 2000, 'tenant_access_token');
    expect(gate.remaining('tenant-b', 'app_access_token')).toBe(3000);
    expect(gate.remaining(A, 'app_access_token')).toBe(3000);
    expect(gate.remaining(A, 'tenant_access_token')).toBe(2000);
    expect(gate.remaining('tenant-b', 'tenant_access_token')).toBe(0);
  });

  it('without shared holds, works as before (no reads, no publishes)', async () => {
    const gate = new RateLimitGate(clock);
    gate.hold(A, 1500, 'login_info');
    await expect(gate.remainingFresh(A, 'login_info')).resolves.toBe(1500);
    now += 1500;
    expect(gate.remaining(A, 'login_info')).toBe(0);
  });
});
