/**
 * docs/contract.md's environment-variable tables against the code: each entry's zod schema (names, defaults, which
 * are required), .env.example, the ops CLI, the local stack's ports, and what the tests and scripts read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
// The code the contract is checked against. When a module moves, only these imports change.
import {
  cliTemporalConfigSchema,
  codecServerConfigSchema,
  ingestConfigSchema,
  workerConfigSchema,
} from '../../src/config';
import { sandboxConfigSchema } from '../../sandbox/server';
import { pushConfigSchema } from '../../sandbox/push-event-command';
import { PORT_VARIABLES, portsFromEnv } from '../../scripts/local-stack';
import { DOC, ROOT, code, expectAgreement, findTable, parseTables, sourceText, state } from '../support/contract-doc';

const TABLES = parseTables(readFileSync(join(ROOT, DOC), 'utf8'));
const table = (heading: string, firstColumn: string) => findTable(TABLES, heading, firstColumn);

type ObjectSchema = { shape: Record<string, z.ZodType> };

/** The zod schema of each entry, by the heading of its table. */
const SCHEMAS: Record<string, ObjectSchema> = {
  Worker: workerConfigSchema,
  Ingest: ingestConfigSchema,
  'Codec server': codecServerConfigSchema,
  'Feishu sandbox': sandboxConfigSchema,
  'Ops CLI': cliTemporalConfigSchema,
  'Sandbox event pusher': pushConfigSchema,
};

describe('environment variables', () => {
  it.each(Object.keys(SCHEMAS))("%s: the variables are its zod schema's keys", (heading) => {
    const rows = table(heading, 'variable').rows;
    const inCode = Object.keys(SCHEMAS[heading]!.shape);
    expectAgreement(
      'variable',
      heading,
      rows,
      (row) => code(row, 'variable'),
      inCode,
      (name) => `| \`${name}\` | <default, \`value\` or required or unset> | implemented | <meaning> |`,
    );
  });

  it.each(Object.keys(SCHEMAS))("%s: the defaults are the schema's", (heading) => {
    const shape = SCHEMAS[heading]!.shape;
    const problems: string[] = [];
    for (const row of table(heading, 'variable').rows.filter((r) => state(r) === 'implemented')) {
      const name = code(row, 'variable');
      const field = shape[name];
      if (!field) continue; // reported by the test above
      const unsetResult = field.safeParse(undefined);
      const documented = row.cells.default ?? '';
      const fail = (why: string): number => problems.push(`${DOC}:${row.line} (${heading}) ${name}: ${why}`);
      if (documented === 'required') {
        if (unsetResult.success)
          fail('documented as required, but the schema accepts it unset: write its default instead');
      } else if (!unsetResult.success) {
        fail(`the schema requires it: write "required" in its default column`);
      } else if (documented === 'unset') {
        if (unsetResult.data !== undefined)
          fail(`documented as unset, but the schema defaults it: write its default in a code span`);
      } else {
        const given = field.safeParse(code(row, 'default'));
        if (!given.success || JSON.stringify(given.data) !== JSON.stringify(unsetResult.data)) {
          fail(
            `the documented default is not the schema's default (unset parses to ${JSON.stringify(unsetResult.data)})`,
          );
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('.env.example lists every variable of the worker, the ingest and the codec server, and only documented ones', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const inExample = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
    const documented = new Set(
      TABLES.filter((t) => t.columns[0] === 'variable').flatMap((t) => t.rows.map((r) => code(r, 'variable'))),
    );
    const needed = ['Worker', 'Ingest', 'Codec server'].flatMap((h) => Object.keys(SCHEMAS[h]!.shape));
    expect(
      [...new Set(needed)]
        .filter((v) => !inExample.includes(v))
        .map((v) => `.env.example lacks ${v}: add \`${v}=<default>\` with a comment`),
    ).toEqual([]);
    expect(
      inExample
        .filter((v) => !documented.has(v))
        .map((v) => `${v} is in .env.example but in no variable table of ${DOC}`),
    ).toEqual([]);
  });

  it('the local stack: its port variables and their defaults, and its data folder', () => {
    const rows = table('Local stack', 'variable').rows;
    const ports = portsFromEnv({});
    const byVariable = Object.fromEntries(
      Object.entries(PORT_VARIABLES).map(([key, variable]) => [variable, String(ports[key as keyof typeof ports])]),
    );
    expectAgreement(
      'port variable',
      'Local stack',
      rows.filter((r) => /_PORT$/.test(code(r, 'variable'))),
      (r) => code(r, 'variable'),
      Object.keys(byVariable),
      (name) => `| \`${name}\` | \`<port>\` | implemented | <what listens there> |`,
    );
    for (const row of rows.filter((r) => /_PORT$/.test(code(r, 'variable')))) {
      expect(`${code(row, 'variable')}=${code(row, 'default')}`).toBe(
        `${code(row, 'variable')}=${byVariable[code(row, 'variable')]}`,
      );
    }
    expect(readFileSync(join(ROOT, 'scripts/start.ts'), 'utf8')).toContain('LOCAL_DATA_DIR');
  });

  it('tests and provisioning: every variable the tests and scripts read is listed, and each listed one is read', () => {
    const text = sourceText('test', 'scripts');
    const documented = table('Tests and provisioning', 'variable').rows.map((row) => code(row, 'variable'));
    const elsewhere = new Set(
      TABLES.filter((t) => t.columns[0] === 'variable' && !t.heading.startsWith('Tests')).flatMap((t) =>
        t.rows.map((r) => code(r, 'variable')),
      ),
    );
    /** Passed from jest's global setup to its workers, or the process basics: not settings. */
    const internal = new Set(['PATH', 'HOME', 'TEMPORAL_CLI_PATH_FOR_TESTS', 'TEST_PAYLOAD_ENCRYPTION_KEYS']);
    const read = new Set(
      [
        ...text.matchAll(
          /process\.env(?:\.([A-Z][A-Z0-9_]+)|\[['"]([A-Z][A-Z0-9_]+)['"]\])|optionalIntegerEnv\('([A-Z][A-Z0-9_]+)'\)/g,
        ),
      ]
        .map((m) => m[1] ?? m[2] ?? m[3]!)
        .filter((v) => !internal.has(v) && !elsewhere.has(v)),
    );
    expect(
      [...read]
        .filter((v) => !documented.includes(v))
        .map((v) => `tests or scripts read ${v}: add it to "Tests and provisioning" in ${DOC}`),
    ).toEqual([]);
    expect(
      documented
        .filter((v) => !text.includes(v))
        .map((v) => `${DOC} (Tests and provisioning) lists ${v}, which no test or script reads`),
    ).toEqual([]);
  });
});
