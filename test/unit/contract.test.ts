/**
 * docs/contract.md against the code, in both directions: every name, route, status, environment variable and npm
 * script the doc lists as `implemented` exists in the code, everything the code exposes is in the doc, and nothing
 * the doc lists as `reserved` exists yet. Failure messages say what to add or change, and where.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
// The code the contract is checked against. When a module moves, only these imports change.
import * as constants from '../../src/common/constants';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/common/search-attributes';
import { buildCodecApp } from '../../src/codec-server/app';
import { EncryptionCodec, generateKeyEntry, parseEncryptionKeys } from '../../src/codec/encryption-codec';
import { buildApp } from '../../src/ingest/app';
import { PROBLEM_STATUS } from '../../src/ingest/http-errors';
import * as workflows from '../../src/workflows';
import { appTicketWorkflowId } from '../../src/workflows/app-ticket-workflow';
import { rateHoldsWorkflowId } from '../../src/workflows/rate-holds-workflow';
import { createActivities, type ActivityDeps } from '../../src/activities';
import * as notification from '../../src/activities/notify-exam-system';
import {
  DOC,
  ROOT,
  code,
  codeSpans,
  expectAgreement,
  findTable,
  parseTables,
  routesOf,
  sourceText,
  state,
  type Row,
} from '../support/contract-doc';

const markdown = readFileSync(join(ROOT, DOC), 'utf8');
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  scripts: Record<string, string>;
};
const TABLES = parseTables(markdown);
const table = (heading: string, firstColumn: string) => findTable(TABLES, heading, firstColumn);

// ---- names ----

describe('names', () => {
  const names = table('Names', 'kind');
  const rowsOf = (kind: string): Row[] => names.rows.filter((row) => row.cells.kind === kind);
  const addName = (kind: string) => (name: string) => `| ${kind} | \`${name}\` | implemented | <what it is> |`;
  const exported = Object.entries(workflows as Record<string, unknown>);
  const definitions = (type: string): string[] =>
    exported
      .map(([, value]) => value as { type?: unknown; name?: unknown })
      .filter((value) => typeof value === 'object' && value !== null && value.type === type)
      .map((value) => String(value.name));

  it('knows every kind it is given', () => {
    const kinds = ['package', 'workflow type', 'workflow id', 'task queue', 'signal', 'query', 'update', 'activity'];
    const unknown = names.rows.filter((row) => !kinds.includes(row.cells.kind ?? ''));
    expect(
      unknown.map((row) => `${DOC}:${row.line}: unknown kind "${row.cells.kind}" (one of ${kinds.join(', ')})`),
    ).toEqual([]);
  });

  it("the package name is package.json's", () => {
    expect(rowsOf('package').map((row) => code(row, 'name'))).toEqual([packageJson.name]);
  });

  it('workflow types are the workflows src/workflows exports', () => {
    const inCode = exported.filter(([, value]) => typeof value === 'function').map(([name]) => name);
    expectAgreement(
      'workflow type',
      'Names',
      rowsOf('workflow type'),
      (row) => code(row, 'name'),
      inCode,
      addName('workflow type'),
    );
    expect(inCode).toContain(constants.WORKFLOW_TYPE);
  });

  it.each([['signal'], ['query'], ['update']])('%s names are the definitions src/workflows exports', (kind) => {
    expectAgreement(kind, 'Names', rowsOf(kind), (row) => code(row, 'name'), definitions(kind), addName(kind));
  });

  it('signal and query constants are the names of the definitions', () => {
    expect(definitions('signal')).toEqual(
      expect.arrayContaining([constants.SIGNAL_EXAM_ARRANGED, constants.SIGNAL_ATTEMPT_FAILED]),
    );
    expect(definitions('query')).toContain(constants.QUERY_EXAM_STATUS);
  });

  it('activities are the ones createActivities builds', () => {
    const inCode = Object.keys(createActivities({} as ActivityDeps));
    expectAgreement('activity', 'Names', rowsOf('activity'), (row) => code(row, 'name'), inCode, addName('activity'));
    expect(inCode).toContain(constants.ACTIVITY_SUBMIT_LOGIN_INFO);
  });

  it('workflow ids are what the id functions build', () => {
    // Placeholders differ only in their name: `eco-exam-<exam_id>` and ecoExamWorkflowId('<id>') agree.
    const normalise = (id: string): string => id.replace(/<[^>]+>/g, '<id>');
    const idFunctions: Record<string, unknown> = { ...constants, appTicketWorkflowId, rateHoldsWorkflowId };
    const inCode = Object.entries(idFunctions)
      .filter(([name, value]) => /WorkflowId$/.test(name) && typeof value === 'function')
      .map(([, fn]) => (fn as (id: string) => string)('<id>'));
    expectAgreement(
      'workflow id',
      'Names',
      rowsOf('workflow id'),
      (row) => normalise(code(row, 'name')),
      inCode,
      addName('workflow id'),
    );
  });

  it('task queues are TASK_QUEUE and the queues derived from it', () => {
    const derived = Object.entries(constants as Record<string, unknown>)
      .filter(([name, value]) => /TaskQueue$/.test(name) && typeof value === 'function')
      .map(([, fn]) => (fn as (queue: string) => string)(constants.TASK_QUEUE));
    const inCode = [constants.TASK_QUEUE, ...derived];
    expectAgreement(
      'task queue',
      'Names',
      rowsOf('task queue'),
      (row) => code(row, 'name'),
      inCode,
      addName('task queue'),
    );
  });

  it('every string src/common/constants.ts exports appears in the doc', () => {
    const spans = codeSpans(markdown);
    const missing = Object.entries(constants as Record<string, unknown>)
      .filter(([, value]) => typeof value === 'string')
      .filter(([, value]) => !spans.some((span) => span.includes(value as string)))
      .map(
        ([name, value]) =>
          `src/common/constants.ts exports ${name} = '${String(value)}', which ${DOC} never names: add it where it belongs`,
      );
    expect(missing).toEqual([]);
  });
});

describe('search attributes and statuses', () => {
  it('search attributes are SEARCH_ATTRIBUTE_KEYS, all Keyword', () => {
    const rows = table('Search attributes', 'name').rows;
    const inCode = SEARCH_ATTRIBUTE_KEYS.map((key) => key.name);
    expectAgreement(
      'search attribute',
      'Search attributes',
      rows,
      (row) => code(row, 'name'),
      inCode,
      (name) => `| \`${name}\` | \`Keyword\` | implemented | <meaning> |`,
    );
    for (const key of SEARCH_ATTRIBUTE_KEYS) {
      const row = rows.find((r) => code(r, 'name') === key.name);
      expect(`${key.name}: ${row ? code(row, 'type').toUpperCase() : 'no row'}`).toBe(`${key.name}: ${key.type}`);
    }
  });

  it('ExamStatus values are EXAM_STATUSES, in order, and "final" marks FINAL_EXAM_STATUSES', () => {
    const rows = table('`ExamStatus` values', 'value').rows;
    expect(rows.map((row) => code(row, 'value'))).toEqual([...constants.EXAM_STATUSES]);
    expect(rows.filter((row) => row.cells.final === 'yes').map((row) => code(row, 'value'))).toEqual([
      ...constants.FINAL_EXAM_STATUSES,
    ]);
  });

  it('ExamResultStatus values stay reserved until the code defines them', () => {
    const rows = table('`ExamResultStatus` values', 'value').rows;
    const inCode = (constants as Record<string, unknown>).EXAM_RESULT_STATUSES as readonly string[] | undefined;
    expectAgreement(
      'ExamResultStatus value',
      'ExamResultStatus values',
      rows,
      (row) => code(row, 'value'),
      [...(inCode ?? [])],
      (name) => `| \`${name}\` | implemented | <meaning> |`,
    );
  });

  it("the ingest's error kinds and statuses are PROBLEM_STATUS", () => {
    const rows = table('Error answers of the ingest', 'kind').rows;
    const documented = Object.fromEntries(rows.map((row) => [code(row, 'kind'), Number(code(row, 'status'))]));
    const problems = [
      ...Object.entries(PROBLEM_STATUS)
        .filter(([kind, status]) => documented[kind] !== status)
        .map(
          ([kind, status]) =>
            `PROBLEM_STATUS.${kind} = ${status}: ${kind in documented ? 'change the status of' : 'add'} the row | \`${kind}\` | \`${status}\` | <when> | in "Error answers of the ingest" of ${DOC}`,
        ),
      ...Object.keys(documented)
        .filter((kind) => !(kind in PROBLEM_STATUS))
        .map(
          (kind) =>
            `${DOC} lists error kind \`${kind}\`, which src/ingest/http-errors.ts does not have: remove it or fix its name`,
        ),
    ];
    expect(problems).toEqual([]);
  });
});

// ---- HTTP routes ----

const INGEST_TOKEN = 'contract-test-exam-system-token';
const CODEC_TOKEN = 'contract-test-codec-token-0001';
/** Temporal is never reached: every call fails as an unreachable server does. */
const unreachable = (): Promise<never> =>
  Promise.reject(Object.assign(new Error('UNAVAILABLE: contract test'), { code: 14 }));
const stubClient = {
  connection: { withDeadline: unreachable },
  workflowService: { getSystemInfo: unreachable },
} as unknown as Client;

function buildApps(): Record<string, FastifyInstance> {
  return {
    ingest: buildApp({
      client: stubClient,
      examSystemToken: INGEST_TOKEN,
      feishu: { verificationToken: 'contract-test-verification' },
    }),
    'codec-server': buildCodecApp({
      codec: new EncryptionCodec(parseEncryptionKeys(generateKeyEntry('k1'))),
      token: CODEC_TOKEN,
      allowedOrigins: [],
    }),
  };
}

describe('HTTP routes', () => {
  const rows = table('HTTP routes', 'service').rows;
  const route = (row: Row): string => `${code(row, 'method')} ${code(row, 'path')}`;
  let apps: Record<string, FastifyInstance>;

  beforeAll(() => {
    apps = buildApps();
  });
  afterAll(async () => {
    await Promise.all(Object.values(apps).map((app) => app.close()));
  });

  it('names only services it can check', () => {
    expect([...new Set(rows.map((row) => row.cells.service))].sort()).toEqual(Object.keys(apps).sort());
  });

  it.each([['ingest'], ['codec-server']])('%s: the routes are the ones the app registers', async (service) => {
    const inCode = await routesOf(apps[service]!);
    expectAgreement(
      'route',
      'HTTP routes',
      rows.filter((row) => row.cells.service === service),
      route,
      inCode,
      (name) => {
        const [method, path] = name.split(' ');
        return `| ${service} | \`${method}\` | \`${path}\` | <auth> | <answers> | implemented |`;
      },
    );
  });

  it('auth: a route behind a token refuses a request without it (401); an open route does not', async () => {
    const problems: string[] = [];
    for (const row of rows.filter((r) => state(r) === 'implemented')) {
      const auth = row.cells.auth ?? '';
      const path = code(row, 'path')
        .replace(':token', 'wrong-token-for-contract-test')
        .replace(/:\w+/g, 'contract-test-1');
      const response = await apps[row.cells.service!]!.inject({
        method: code(row, 'method') as 'GET',
        url: path,
        headers: { 'content-type': 'application/json' },
        ...(code(row, 'method') === 'POST' && { payload: '{}' }),
      });
      const wantsToken = codeSpans(auth).length > 0 || auth === 'path';
      if (wantsToken && response.statusCode !== 401)
        problems.push(`${DOC}:${row.line}: ${route(row)} without its token answered ${response.statusCode}, not 401`);
      if (auth === 'none' && response.statusCode === 401)
        problems.push(`${DOC}:${row.line}: ${route(row)} is documented as open but answered 401`);
    }
    expect(problems).toEqual([]);
  });

  it('a token named in the auth column is an environment variable of that service', () => {
    const envOf: Record<string, string> = { ingest: 'Ingest', 'codec-server': 'Codec server' };
    for (const row of rows) {
      for (const variable of codeSpans(row.cells.auth ?? '')) {
        const variables = table(envOf[row.cells.service!]!, 'variable').rows.map((r) => code(r, 'variable'));
        expect(`${row.cells.service}: ${variable} ${variables.includes(variable) ? 'documented' : 'missing'}`).toBe(
          `${row.cells.service}: ${variable} documented`,
        );
      }
    }
  });

  it('the ingest answers only with statuses of its table (plus 200 and 202)', () => {
    const known = new Set<number>([200, 202, ...Object.values(PROBLEM_STATUS)]);
    const unknown = rows
      .filter((row) => row.cells.service === 'ingest')
      .flatMap((row) =>
        codeSpans(row.cells.answers ?? '')
          .filter((s) => !known.has(Number(s)))
          .map((s) => `${DOC}:${row.line}: status ${s}`),
      );
    expect(unknown).toEqual([]);
  });
});

// ---- npm scripts and the notification ----

describe('npm scripts and the exam-system notification', () => {
  it("the npm scripts are package.json's", () => {
    const documented = table('npm scripts', 'script').rows.map((row) => code(row, 'script'));
    const inCode = Object.keys(packageJson.scripts);
    expect(
      inCode
        .filter((s) => !documented.includes(s))
        .map((s) => `package.json has script "${s}": add | \`${s}\` | <what it runs> | to "npm scripts" in ${DOC}`),
    ).toEqual([]);
    expect(
      documented
        .filter((s) => !inCode.includes(s))
        .map((s) => `${DOC} lists npm script "${s}", which package.json lacks`),
    ).toEqual([]);
  });

  it('the notification headers are the ones notifyExamSystem sends', () => {
    const documented = table('The exam-system notification', 'header')
      .rows.map((row) => code(row, 'header'))
      .sort();
    const inCode = Object.entries(notification as Record<string, unknown>)
      .filter(([name, value]) => /_HEADER$/.test(name) && typeof value === 'string')
      .map(([, value]) => value as string)
      .sort();
    expect(documented).toEqual(inCode);
  });

  it('notification types: the implemented ones are sent, the reserved ones not yet', () => {
    const activities = sourceText('src/activities');
    const rows = table('The exam-system notification', 'notification type').rows;
    const sent = rows.map((row) => code(row, 'notification type')).filter((type) => activities.includes(`'${type}'`));
    expectAgreement(
      'notification type',
      'exam-system notification',
      rows,
      (row) => code(row, 'notification type'),
      sent,
      (name) => `| \`${name}\` | implemented | <when> |`,
    );
  });
});

test('the doc names no file outside the repository', () => {
  const links = [...markdown.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)].map((m) => m[1]!).filter((l) => !/^https?:/.test(l));
  const outside = links.filter((link) => relative(ROOT, join(ROOT, 'docs', link)).startsWith('..'));
  expect(outside).toEqual([]);
});
