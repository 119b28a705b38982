/**
 * Reading docs/contract.md for test/unit/contract.test.ts: its tables (cells by column, code spans), and the
 * comparison of a table's names with the code's, whose failure messages say what to add or change, and where.
 * Also the routes a fastify app registered and the text of source folders.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';

export const ROOT = join(__dirname, '..', '..');
export const DOC = 'docs/contract.md';

export interface Row {
  cells: Record<string, string>;
  line: number;
}
export interface Table {
  heading: string;
  columns: string[];
  rows: Row[];
}

/** Every table of the doc, with the heading it sits under. Cells are split on unescaped `|`. */
export function parseTables(text: string): Table[] {
  const tables: Table[] = [];
  let heading = '';
  let current: Table | undefined;
  const split = (line: string): string[] =>
    line
      .trim()
      .replace(/^\||\|$/g, '')
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replace(/\\\|/g, '|'));
  text.split('\n').forEach((line, index) => {
    const headingMatch = /^#{1,6}\s+(.*)$/.exec(line);
    if (headingMatch) heading = headingMatch[1]!.trim();
    if (!line.trim().startsWith('|')) {
      current = undefined;
      return;
    }
    const cells = split(line);
    if (!current) {
      current = { heading, columns: cells, rows: [] };
      tables.push(current);
      return;
    }
    if (cells.every((cell) => /^:?-+:?$/.test(cell))) return;
    current.rows.push({
      cells: Object.fromEntries(current.columns.map((c, i) => [c, cells[i] ?? ''])),
      line: index + 1,
    });
  });
  return tables;
}

/** The table under the heading that starts with `heading` whose first column is `firstColumn`. */
export function findTable(tables: readonly Table[], heading: string, firstColumn: string): Table {
  const found = tables.find((t) => t.heading.startsWith(heading) && t.columns[0] === firstColumn);
  if (!found) throw new Error(`${DOC}: no table with first column "${firstColumn}" under a heading "${heading}…"`);
  return found;
}

export function codeSpans(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
}

/** The one code span of a cell. */
export function code(row: Row, column: string): string {
  const spans = codeSpans(row.cells[column] ?? '');
  if (spans.length !== 1) {
    throw new Error(`${DOC}:${row.line}: column "${column}" must hold exactly one name in a code span`);
  }
  return spans[0]!;
}

export function state(row: Row): 'implemented' | 'reserved' {
  const value = row.cells.state;
  if (value !== 'implemented' && value !== 'reserved') {
    throw new Error(`${DOC}:${row.line}: state must be "implemented" or "reserved", not "${value}"`);
  }
  return value;
}

/** Names of the code (`inCode`) against the rows of a doc table: the three ways they can disagree. */
export function expectAgreement(
  what: string,
  where: string,
  rows: Row[],
  nameOf: (row: Row) => string,
  inCode: string[],
  addRow: (name: string) => string,
): void {
  const problems: string[] = [];
  const documented = rows.filter((row) => state(row) === 'implemented').map(nameOf);
  const reserved = rows.filter((row) => state(row) === 'reserved');
  for (const name of inCode) {
    if (documented.includes(name)) continue;
    const reservedRow = reserved.find((row) => nameOf(row) === name);
    problems.push(
      reservedRow
        ? `${what} \`${name}\` is implemented now: in ${DOC}:${reservedRow.line} (${where}) change its state from reserved to implemented`
        : `${what} \`${name}\` exists in the code but not in ${DOC}: add to the ${where} table the row ${addRow(name)}`,
    );
  }
  for (const row of rows.filter((r) => state(r) === 'implemented')) {
    if (!inCode.includes(nameOf(row))) {
      problems.push(
        `${DOC}:${row.line} (${where}) lists ${what} \`${nameOf(row)}\` as implemented, but the code has no such ${what}: ` +
          'fix the name, or (for a name not built yet) mark it reserved',
      );
    }
  }
  expect(problems).toEqual([]);
}

export function filesUnder(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(ROOT, path)).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

export function sourceText(...dirs: string[]): string {
  return dirs
    .flatMap(filesUnder)
    .map((file) => readFileSync(join(ROOT, file), 'utf8'))
    .join('\n');
}

/** `METHOD path` of every route an app registered (HEAD, which fastify adds to every GET, left out). */
export async function routesOf(app: FastifyInstance): Promise<string[]> {
  await app.ready();
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    for (const method of (match[3] ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean)) {
      if (method !== 'HEAD') routes.push(`${method} ${stack.join('')}`);
    }
  }
  // The parser must not invent routes: each must be one fastify knows.
  for (const route of routes) {
    const [method, url] = route.split(' ') as [string, string];
    expect(`${route}: ${app.hasRoute({ method: method, url })}`).toBe(`${route}: true`);
  }
  return routes;
}
