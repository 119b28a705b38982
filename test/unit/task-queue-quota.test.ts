import { FEISHU_QUOTA_PER_MINUTE } from '../../src/common/constants';
import { perKeyCallsPerSecond } from '../../src/common/task-queue-quota';

describe('perKeyCallsPerSecond (a store app tenant’s server-side rate)', () => {
  it('lowers the default 16.5/s so that the first minute, burst included, stays under 1000 calls, with a margin', () => {
    expect(perKeyCallsPerSecond(16.5)).toBe(16.09);
  });

  it('keeps a rate that already leaves room', () => {
    expect(perKeyCallsPerSecond(5)).toBe(5);
    expect(perKeyCallsPerSecond(16)).toBe(16);
  });

  it('never lets 61 seconds of the rate plus the bucket’s extra calls exceed the quota', () => {
    for (let rate = 0.5; rate <= 50; rate += 0.5) {
      const key = perKeyCallsPerSecond(rate);
      expect(key).toBeLessThanOrEqual(rate);
      expect(61 * key + 8).toBeLessThanOrEqual(FEISHU_QUOTA_PER_MINUTE - 10);
    }
  });
});
