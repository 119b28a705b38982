import { examDetails } from '../../src/workflows/current-details';
import type { ExamStatusView } from '../../src/common/types';

const base: ExamStatusView = { examId: 'e1', status: 'submitted', attempts: 2, invalidArrangements: 0 };

describe('the current details the Temporal UI shows', () => {
  it('tells the login-info phase alone before the result phase starts', () => {
    expect(examDetails(base)).toBe('**submitted** · exam e1 · attempts 2');
  });

  it('tells both phases, with counts and error codes but never the result or error messages', () => {
    const text = examDetails({
      ...base,
      lastError: { type: 'FeishuRateLimitedError', message: 'secret-ish message', code: 99991400, attempt: 1 },
      result: {
        status: 'submitting',
        attempts: 3,
        updates: 1,
        invalidResults: 1,
        pending: true,
        lastError: { type: 'FeishuServerError', message: 'result 87 points', code: 1002851, logId: 'L1', attempt: 2 },
      },
    });
    expect(text).toContain('last error: FeishuRateLimitedError (code 99991400) · attempt 1');
    expect(text).toContain(
      'result **submitting** · attempts 3 · updates 1 · a newer result is pending · invalid results 1',
    );
    expect(text).toContain('result last error: FeishuServerError (code 1002851) · attempt 2 · log_id L1');
    expect(text).not.toContain('secret-ish');
    expect(text).not.toContain('87 points');
  });
});
