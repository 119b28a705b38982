/** The event classifier against docs/feishu.md (#url-verification, #envelopes, the events' examples, #store-apps). */
import { decryptEvent } from '../../src/feishu/event-crypto';
import { classifyEventBody, type ClassifiedEvent } from '../../src/feishu/events';
import {
  appTicketEvent,
  ecoAccountCreatedEvent,
  ecoExamCreatedEvent,
  eventEnvelope,
  signedRequest,
  urlVerification,
} from '../support/feishu-events';

const TOKEN = 'verification-token';

/** The docs' example 创建笔试 body (§1.7 header, §2.1 event), verbatim. */
const DOCS_EXAM_BODY = {
  schema: '2.0',
  header: {
    event_id: 'f7984f25108f8137722bb63cee927e66',
    token: '066zT6pS4QCbgj5Do145GfDbbagCHGgF',
    create_time: '1608725989000',
    event_type: 'hire.eco_exam.created_v1',
    tenant_key: 'xxxxxxx',
    app_id: 'cli_xxxxxxxx',
  },
  event: {
    exam_id: '7147998241542539527',
    account_id: '7147998241542539527',
    paper_id: 'paper001',
    candidate_info: { name: '王二', mobile: { code: '86', number: '18900001111' }, email: 'xxx@abc.vom' },
  },
};

function reasonOf(classified: ClassifiedEvent): string {
  if (classified.kind !== 'invalid') throw new Error(`expected invalid, got ${classified.kind}`);
  return classified.reason;
}

function withEvent(event: Record<string, unknown>) {
  return { ...DOCS_EXAM_BODY, event };
}

describe('classifyEventBody', () => {
  it('classifies the docs example 创建笔试 body, camelCased', () => {
    expect(classifyEventBody(DOCS_EXAM_BODY)).toEqual({
      kind: 'eco_exam_created',
      eventId: 'f7984f25108f8137722bb63cee927e66',
      token: '066zT6pS4QCbgj5Do145GfDbbagCHGgF',
      tenantKey: 'xxxxxxx',
      appId: 'cli_xxxxxxxx',
      createTime: '1608725989000',
      exam: {
        examId: '7147998241542539527',
        accountId: '7147998241542539527',
        paperId: 'paper001',
        candidate: { name: '王二', mobile: { code: '86', number: '18900001111' }, email: 'xxx@abc.vom' },
      },
    });
  });

  it('classifies a fixture event after decrypting it, ignoring talent_id/application_id and unknown keys', () => {
    const body = ecoExamCreatedEvent({
      examId: 'exam-42',
      eventId: 'evt-1',
      tenantKey: 'tenant-1',
      token: TOKEN,
      extraEvent: { talent_id: 't1', application_id: 'a1', brand_new_field: { x: 1 } },
    });
    const request = signedRequest(body, { encryptKey: 'k' });
    const { encrypt } = JSON.parse(request.rawBody) as { encrypt: string };
    const classified = classifyEventBody(JSON.parse(decryptEvent(encrypt, 'k')));
    expect(classified).toMatchObject({
      kind: 'eco_exam_created',
      eventId: 'evt-1',
      tenantKey: 'tenant-1',
      token: TOKEN,
    });
    expect(classified.kind === 'eco_exam_created' && classified.exam).toEqual({
      examId: 'exam-42',
      accountId: '7147998241542539527',
      paperId: 'paper001',
      candidate: { name: '王二', mobile: { code: '86', number: '18900001111' }, email: 'xxx@abc.vom' },
    });
  });

  it('leaves absent and null optional fields out of the exam', () => {
    const minimal = classifyEventBody(withEvent({ exam_id: 'e1' }));
    expect(minimal.kind === 'eco_exam_created' && minimal.exam).toStrictEqual({ examId: 'e1' });
    const nulls = classifyEventBody(
      withEvent({ exam_id: 'e1', account_id: null, candidate_info: { name: 'A', mobile: null, email: null } }),
    );
    expect(nulls.kind === 'eco_exam_created' && nulls.exam).toStrictEqual({ examId: 'e1', candidate: { name: 'A' } });
  });

  it('omits tenantKey, appId and createTime when the header lacks them', () => {
    const { tenant_key: _t, app_id: _a, create_time: _c, ...header } = DOCS_EXAM_BODY.header;
    const classified = classifyEventBody({ ...DOCS_EXAM_BODY, header });
    expect(classified.kind).toBe('eco_exam_created');
    expect(classified).not.toHaveProperty('tenantKey');
    expect(classified).not.toHaveProperty('appId');
    expect(classified).not.toHaveProperty('createTime');
  });

  it('reports a missing exam_id by path, not value', () => {
    expect(reasonOf(classifyEventBody(withEvent({ account_id: 'secret-account' })))).toBe('event.exam_id: is required');
  });

  it.each([
    ['characters outside the id alphabet', 'exam 1/../x', /^event\.exam_id: .*letters, digits/],
    ['an empty string', '', /^event\.exam_id: must not be empty$/],
    ['a number', 12345, /^event\.exam_id: must be a string$/],
    ['too long an id', 'x'.repeat(129), /^event\.exam_id: .*128/],
    // A dot segment would change Feishu's URL (POST …/eco_exams/../login_info): refused (issue 11.2).
    ['a single dot', '.', /^event\.exam_id: exam_id must not be \. or \.\.$/],
    ['two dots', '..', /^event\.exam_id: exam_id must not be \. or \.\.$/],
  ])('rejects an exam_id that is %s', (_label, examId, reason) => {
    const classified = classifyEventBody(withEvent({ exam_id: examId }));
    expect(reasonOf(classified)).toMatch(reason);
    // (A value as short as the rule's own words, such as '..', is not checked for echo.)
    if (typeof examId === 'string' && examId.length > 2) expect(reasonOf(classified)).not.toContain(examId);
  });

  it('rejects wrongly typed optional fields and a missing event, naming each field', () => {
    const reason = reasonOf(
      classifyEventBody(withEvent({ exam_id: 'e1', paper_id: 5, candidate_info: { mobile: { code: 86 } } })),
    );
    expect(reason).toBe('event.paper_id: must be a string; event.candidate_info.mobile.code: must be a string');
    const { event: _e, ...noEvent } = DOCS_EXAM_BODY;
    expect(reasonOf(classifyEventBody(noEvent))).toBe('event: is required');
  });

  it('reports workflow-input limits in Feishu terms', () => {
    const reason = reasonOf(classifyEventBody(withEvent({ exam_id: 'e1', account_id: 'a'.repeat(256) })));
    expect(reason).toMatch(/^event\.account_id: /);
    const header = { ...DOCS_EXAM_BODY.header, tenant_key: 't'.repeat(129) };
    expect(reasonOf(classifyEventBody({ ...DOCS_EXAM_BODY, header }))).toMatch(/^header\.tenant_key: /);
  });

  it.each([
    ['name', { name: 'n'.repeat(600_000) }, 'event.candidate_info.name: candidate name is longer than 255 characters'],
    ['email', { email: 'e'.repeat(256) }, 'event.candidate_info.email: candidate email is longer than 255 characters'],
    [
      'mobile number',
      { mobile: { code: '86', number: '1'.repeat(256) } },
      'event.candidate_info.mobile.number: candidate mobile number is longer than 255 characters',
    ],
    [
      'mobile code',
      { mobile: { code: '8'.repeat(256) } },
      'event.candidate_info.mobile.code: candidate mobile code is longer than 255 characters',
    ],
  ])('limits the candidate %s to 255 characters (issue 11.6)', (_label, candidate_info, reason) => {
    expect(reasonOf(classifyEventBody(withEvent({ exam_id: 'e1', candidate_info })))).toBe(reason);
    const atLimit = { name: 'n'.repeat(255), email: 'e'.repeat(255), mobile: { code: '8', number: '1'.repeat(255) } };
    expect(classifyEventBody(withEvent({ exam_id: 'e1', candidate_info: atLimit })).kind).toBe('eco_exam_created');
  });

  it('limits account_id and paper_id to 255 characters', () => {
    expect(reasonOf(classifyEventBody(withEvent({ exam_id: 'e1', paper_id: 'p'.repeat(256) })))).toBe(
      'event.paper_id: paper_id is longer than 255 characters',
    );
    const ok = classifyEventBody(withEvent({ exam_id: 'e1', account_id: 'a'.repeat(255), paper_id: 'p'.repeat(255) }));
    expect(ok.kind).toBe('eco_exam_created');
  });

  it('rejects a broken 2.0 envelope, naming header fields', () => {
    const { event_id: _e, ...header } = DOCS_EXAM_BODY.header;
    expect(reasonOf(classifyEventBody({ ...DOCS_EXAM_BODY, header: { ...header, token: 1 } }))).toBe(
      'header.event_id: is required; header.token: must be a string',
    );
    expect(reasonOf(classifyEventBody({ ...DOCS_EXAM_BODY, schema: '3.0' }))).toBe('schema: must be "2.0"');
    expect(reasonOf(classifyEventBody({ schema: '2.0', event: {} }))).toBe('header: is required');
  });

  it('classifies an unknown 2.0 event type as other, whatever its event', () => {
    const body = eventEnvelope('contact.user_group.created_v3', 'anything', { token: TOKEN, eventId: 'evt-9' });
    expect(classifyEventBody(body)).toEqual({
      kind: 'other',
      eventId: 'evt-9',
      token: TOKEN,
      eventType: 'contact.user_group.created_v3',
    });
  });

  it('classifies url_verification', () => {
    expect(classifyEventBody(urlVerification({ token: TOKEN, challenge: 'ajls384kdjxxxx' }))).toEqual({
      kind: 'url_verification',
      token: TOKEN,
      challenge: 'ajls384kdjxxxx',
    });
    expect(reasonOf(classifyEventBody({ type: 'url_verification', token: TOKEN }))).toBe('challenge: is required');
  });

  it('classifies hire.eco_account.created_v1 with the docs example event', () => {
    const body = ecoAccountCreatedEvent({ token: TOKEN, eventId: 'evt-2', tenantKey: 'tenant-1', scope: 1 });
    expect(classifyEventBody(body)).toMatchObject({
      kind: 'eco_account_created',
      eventId: 'evt-2',
      token: TOKEN,
      tenantKey: 'tenant-1',
      account: {
        scope: 1,
        accountId: '6931286400470354183',
        accountName: '背调账号 001',
        usageList: [1],
        customFields: [{ key: 'ord_id', value: '7233333' }],
      },
    });
    const bad = eventEnvelope('hire.eco_account.created_v1', { scope: 1.5, usage_list: ['1'] }, { token: TOKEN });
    expect(reasonOf(classifyEventBody(bad))).toBe(
      'event.scope: must be an integer; event.account_id: is required; event.usage_list.0: must be an integer',
    );
  });

  it('classifies the v1.0 app_ticket push, keyed by uuid', () => {
    const body = appTicketEvent({ appId: 'cli_store', ticket: 'ticket-1', token: TOKEN, uuid: 'uuid-1' });
    expect(classifyEventBody(body)).toEqual({
      kind: 'app_ticket',
      eventId: 'uuid-1',
      token: TOKEN,
      appId: 'cli_store',
      appTicket: 'ticket-1',
    });
    const noTicket = { ...body, event: { app_id: 'cli_store', type: 'app_ticket' } };
    expect(reasonOf(classifyEventBody(noTicket))).toBe('event.app_ticket: is required');
  });

  it('classifies other v1.0 event callbacks as other', () => {
    const body = { uuid: 'u2', token: TOKEN, type: 'event_callback', event: { type: 'app_open' } };
    expect(classifyEventBody(body)).toEqual({ kind: 'other', eventId: 'u2', token: TOKEN, eventType: 'app_open' });
  });

  it.each([
    ['null', null, '(body): must be a JSON object'],
    ['an array', [DOCS_EXAM_BODY], '(body): must be a JSON object'],
    ['a string', 'hello', '(body): must be a JSON object'],
    ['still encrypted', { encrypt: 'abc' }, '(body): still encrypted: decrypt the encrypt field first'],
  ])('rejects a body that is %s', (_label, body, reason) => {
    expect(reasonOf(classifyEventBody(body))).toBe(reason);
  });

  it('rejects an object that is no Feishu body', () => {
    expect(reasonOf(classifyEventBody({ hello: 'world' }))).toMatch(/^\(body\): not a Feishu event/);
  });
});
