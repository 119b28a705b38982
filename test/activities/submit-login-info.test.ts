import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../src/activities';
import {
  FeishuExamStateError,
  FeishuNetworkError,
  FeishuPermissionError,
  FeishuRateLimitedError,
  FeishuRejectedError,
  FeishuServerError,
  FeishuTimeoutError,
  FeishuTokenError,
  InvalidLoginInfoError,
  type FeishuClient,
} from '../../src/feishu';
import { NON_RETRYABLE_FAILURE_TYPES } from '../../src/common/failure-types';

const input = {
  examId: 'e-1',
  tenantKey: 't-1',
  body: { exam_login_info: { exam_url: 'https://exam.example/x', password: 'hunter2' } },
};

function activitiesFailingWith(error: Error) {
  const feishu: Pick<FeishuClient, 'submitLoginInfo' | 'updateResult'> = {
    submitLoginInfo: () => Promise.reject(error),
    updateResult: () => Promise.reject(new Error('not used here')),
  };
  return createActivities({ feishu, reportAttempts: false });
}

async function failureOf(error: Error, attempt = 1): Promise<ApplicationFailure> {
  const env = new MockActivityEnvironment({ attempt });
  const err: unknown = await env.run(activitiesFailingWith(error).submitLoginInfo, input).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('submitLoginInfo activity', () => {
  it('returns the attempt and Feishu log id, passing exam id, tenant and body through', async () => {
    const calls: unknown[] = [];
    const feishu: Pick<FeishuClient, 'submitLoginInfo' | 'updateResult'> = {
      updateResult: () => Promise.reject(new Error('not used here')),
      submitLoginInfo: async (examId, body, options) => {
        calls.push({ examId, body, tenantKey: options?.tenantKey, hasSignal: options?.signal instanceof AbortSignal });
        return { logId: 'LOG-1', refreshedToken: false };
      },
    };
    const env = new MockActivityEnvironment({ attempt: 4 });
    const result = await env.run(createActivities({ feishu }).submitLoginInfo, input);
    expect(result).toEqual({ attempt: 4, logId: 'LOG-1' });
    expect(calls).toEqual([{ examId: 'e-1', body: input.body, tenantKey: 't-1', hasSignal: true }]);
  });

  it.each([
    {
      error: new FeishuExamStateError('m', { code: 1002851, logId: 'L' }),
      type: 'FeishuExamStateError',
      nonRetryable: true,
    },
    { error: new FeishuPermissionError('m', { code: 99991672 }), type: 'FeishuPermissionError', nonRetryable: true },
    { error: new FeishuRejectedError('m', { code: 1002002 }), type: 'FeishuRejectedError', nonRetryable: true },
    { error: new InvalidLoginInfoError('exam_login_info.exam_url: bad'), type: 'InvalidLoginInfo', nonRetryable: true },
    {
      error: new FeishuServerError('m', { code: 1002001, httpStatus: 500 }),
      type: 'FeishuServerError',
      nonRetryable: false,
    },
    { error: new FeishuNetworkError('m'), type: 'FeishuNetworkError', nonRetryable: false },
    { error: new FeishuTimeoutError('m'), type: 'FeishuTimeoutError', nonRetryable: false },
    { error: new FeishuTokenError('m', { code: 99991663 }), type: 'FeishuTokenError', nonRetryable: false },
  ])('$type → nonRetryable $nonRetryable', async ({ error, type, nonRetryable }) => {
    const failure = await failureOf(error, 2);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(nonRetryable);
    expect(NON_RETRYABLE_FAILURE_TYPES.includes(type)).toBe(nonRetryable);
    expect(failure.details?.[0]).toMatchObject({ type, attempt: 2 });
  });

  it('carries Feishu code and log id in the failure details', async () => {
    const failure = await failureOf(new FeishuExamStateError('exam state abnormal', { code: 1002851, logId: 'LOGX' }));
    expect(failure.details?.[0]).toEqual({
      type: 'FeishuExamStateError',
      message: 'exam state abnormal',
      code: 1002851,
      logId: 'LOGX',
      attempt: 1,
    });
  });

  it('sets nextRetryDelay from x-ogw-ratelimit-reset on a 429', async () => {
    const failure = await failureOf(new FeishuRateLimitedError('limited', { httpStatus: 429, code: 99991400 }, 3000));
    expect(failure.type).toBe('FeishuRateLimitedError');
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(3000);
  });

  it('never puts the password in the failure', async () => {
    const failure = await failureOf(new FeishuServerError('boom', { code: 1002001 }));
    expect(JSON.stringify({ m: failure.message, d: failure.details, s: failure.stack })).not.toContain('hunter2');
  });

  it('lets unknown errors through unchanged (Temporal retries them as plain errors)', async () => {
    const env = new MockActivityEnvironment();
    const boom = new RangeError('unexpected');
    await expect(env.run(activitiesFailingWith(boom).submitLoginInfo, input)).rejects.toBe(boom);
  });
});
