import { acceptedPerMinute, callFigures, perSecond } from '../../bench/calls';
import type { RecordedRequest } from '../../sandbox/feishu-sandbox';

/** The bench's figures of a drain (bench/calls.ts), read from request-log records. */
function request(at: number, status: number, code?: number, tenantKey?: string): RecordedRequest {
  return {
    seq: at,
    at,
    method: 'POST',
    path: '/open-apis/hire/v1/eco_exams/1/login_info',
    endpoint: 'login_info',
    headers: {},
    rawBody: '',
    body: undefined,
    tenantKey,
    response: { status, code, logId: `log-${at}` },
  };
}

describe('bench call figures', () => {
  it('rates accepted calls over the intervals between the first and the last', () => {
    expect(acceptedPerMinute([2000, 0, 1000])).toEqual({ perMin: 60, first: 0, last: 2000, seconds: 2 });
    expect(acceptedPerMinute([])).toEqual({ perMin: 0, first: 0, last: 0, seconds: 0 });
    expect(acceptedPerMinute([500]).perMin).toBe(0);
  });

  it('counts accepted and throttled calls and the fullest 1 s and 60 s windows of all requests', () => {
    const requests = [
      request(0, 200, 0),
      request(500, 200, 0),
      request(700, 429, 99991400),
      request(1000, 200, 0),
      request(1500, 200, 0),
      request(61_000, 500, 1),
    ];
    expect(callFigures(requests)).toEqual({
      accepted: 4,
      throttled: 1,
      // 4 accepted calls, 3 intervals in 1.5 s
      ratePerMin: 120,
      seconds: 1.5,
      max1s: 3,
      max60s: 5,
      firstAcceptedAt: 0,
      lastAcceptedAt: 1500,
    });
  });

  it('counts requests per whole second since an origin', () => {
    const requests = [request(0, 200, 0), request(500, 200, 0), request(1000, 200, 0), request(3100, 429)];
    expect(perSecond(requests)).toEqual([2, 1, 0, 1]);
    expect(perSecond(requests, 1000)).toEqual([1, 0, 1]);
    expect(perSecond(requests, 0, 2)).toEqual([2, 1]);
    expect(perSecond([request(200, 200, 0)], 0, 3)).toEqual([1, 0, 0]);
  });
});
