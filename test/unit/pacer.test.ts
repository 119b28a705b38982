import { Pacer } from '../../src/feishu/pacer';

describe('Pacer', () => {
  it('spaces a burst evenly per tenant and keeps tenants apart', async () => {
    const waits: Array<{ tenant: string; ms: number }> = [];
    let current = '';
    // Frozen clock: each call's send time is "now (0) + how long the pacer made it sleep".
    const pacer = new Pacer(
      20,
      () => 0,
      async (ms) => void waits.push({ tenant: current, ms }),
    );
    const tenants = [...Array.from({ length: 10 }, () => 'a'), 'b', 'b'];
    const sendTimes: Record<string, number[]> = { a: [], b: [] };
    for (const tenant of tenants) {
      current = tenant;
      const before = waits.length;
      await pacer.wait(tenant);
      sendTimes[tenant]!.push(waits.length > before ? waits[waits.length - 1]!.ms : 0);
    }
    expect(sendTimes.a).toEqual([0, 50, 100, 150, 200, 250, 300, 350, 400, 450]); // 20/s: one every 50 ms
    expect(sendTimes.b).toEqual([0, 50]); // another tenant is not queued behind the first
  });

  it('lets a call through at once when the tenant has been quiet', async () => {
    let now = 1000;
    const sleeps: number[] = [];
    const pacer = new Pacer(
      10,
      () => now,
      async (ms) => void sleeps.push(ms),
    );
    await pacer.wait('t');
    now += 5000;
    await pacer.wait('t');
    expect(sleeps).toEqual([]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new Pacer(0)).toThrow(RangeError);
  });
});
