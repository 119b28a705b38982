import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { lazySchema } from '../../src/common/lazy-schema';
import { bundleOptions } from '../../src/worker/bundle';
import { ecoExamInputSchema, loginInfoBodySchema } from '../../src/common/schemas';
import { examResultBodySchema, resultPhaseInputFields } from '../../src/common/result-schemas';
import { examPapersSchema } from '../../src/common/account-schemas';
import { examSchemas } from '../../src/common/lazy-schemas';
import { resultSchemas } from '../../src/common/lazy-result-schemas';
import { accountSchemas } from '../../src/common/lazy-account-schemas';

/** The SDK's treatment of a preloaded module's exports (reusable V8 context): frozen deeply, getters read first. */
const DEEP_FREEZE = `
  function deepFreeze(value, visited = new WeakSet()) {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
    if (visited.has(value) || Object.isFrozen(value)) return;
    visited.add(value);
    if (typeof value === 'object') {
      for (const key of Reflect.ownKeys(value)) {
        try {
          deepFreeze(value[key], visited);
        } catch {
          // As the SDK: some objects cannot be frozen.
        }
      }
    }
    Object.freeze(value);
  }
`;

/** Every object reachable from `value` through properties (what deepFreeze would freeze). */
function reachable(value: unknown, out = new Set<object>()): Set<object> {
  if (value === null || typeof value !== 'object' || out.has(value)) return out;
  out.add(value);
  for (const key of Reflect.ownKeys(value)) reachable((value as Record<PropertyKey, unknown>)[key], out);
  return out;
}

describe('lazySchema (src/common/lazy-schema.ts)', () => {
  it('builds on the first call only, and returns that one schema every time', () => {
    let builds = 0;
    const get = lazySchema(() => ({ built: ++builds }));
    expect(builds).toBe(0);
    const first = get();
    expect(get()).toBe(first);
    expect(builds).toBe(1);
  });
});

describe('the schema modules the workflow bundle preloads', () => {
  const PRELOADED = bundleOptions().preloadModules;

  it('are the getter modules, and export no built schema (the SDK freezes what they export)', () => {
    expect(PRELOADED.map((path) => path.replace(/\\/g, '/').replace(/^.*\/src\//, 'src/'))).toEqual([
      'src/common/lazy-schemas.ts',
      'src/common/lazy-result-schemas.ts',
      'src/common/lazy-account-schemas.ts',
      'src/workflows/legacy-schemas.ts',
    ]);
    jest.isolateModules(() => {
      for (const path of PRELOADED) {
        const schemas = [...reachable(jest.requireActual(path))].filter((object) => '_zod' in object);
        expect({ path, schemas: schemas.length }).toEqual({ path, schemas: 0 });
      }
    });
  });

  it('build and parse, with the same messages, once their exports and zod are frozen as the SDK does', () => {
    // A fresh process: zod's global configuration must not have been completed by any earlier import.
    const script = `
      ${DEEP_FREEZE}
      const paths = JSON.parse(process.argv[1]);
      const [exam, result, account, legacy] = paths.map((path) => require(path));
      // What the SDK freezes after preloading: every shared module's exports (zod's among them), and the globals.
      for (const exports of [exam, result, account, legacy, require('zod')]) deepFreeze(exports);
      deepFreeze(globalThis.__zod_globalConfig);
      const built = [exam.examSchemas, result.resultSchemas, account.accountSchemas].flatMap((getters) =>
        Object.values(getters).map((get) => typeof get()),
      );
      built.push(typeof legacy.legacyEcoExamInputSchema(), typeof legacy.legacyLoginInfoBodySchema());
      const describe = (parsed) => (parsed.success ? 'ok' : exam.describeZodError(parsed.error));
      process.stdout.write(JSON.stringify({
        built: [...new Set(built)],
        input: describe(exam.examSchemas.ecoExamInput().safeParse({ examId: 'e-1', resultTimeout: '1 day' })),
        badInput: describe(exam.examSchemas.ecoExamInput().safeParse({ examId: 'a b' })),
        login: describe(exam.examSchemas.loginInfoBody().safeParse({ exam_login_info: { exam_url: 'ftp://x' } })),
        result: describe(result.resultSchemas.examResultBody().safeParse({ result: '60', result_time: '1' })),
        papers: describe(account.accountSchemas.examPapers().safeParse({ paper_list: [{ id: 'p', name: 'n', end_time: 'x' }] })),
        legacy: describe(legacy.legacyEcoExamInputSchema().safeParse({ examId: 'e-1' })),
      }));
    `;
    const output = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script, JSON.stringify(PRELOADED)], {
      cwd: join(__dirname, '..', '..'),
      encoding: 'utf8',
    });
    expect(JSON.parse(output)).toEqual({
      built: ['object'],
      input: 'ok',
      badInput: 'examId: exam_id may contain only letters, digits and _ . : -',
      login: 'exam_login_info.exam_url: exam_url must be an absolute http(s) URL',
      result: 'ok',
      papers: 'paper_list.0.end_time: must be a string of 1–15 digits (milliseconds)',
      legacy: 'ok',
    });
  });

  it('build the very schemas the rest of the code imports (one definition each)', () => {
    expect(examSchemas.ecoExamInput()).toBe(ecoExamInputSchema);
    expect(examSchemas.loginInfoBody()).toBe(loginInfoBodySchema);
    expect(resultSchemas.examResultBody()).toBe(examResultBodySchema);
    expect(resultSchemas.phaseInputFields()).toBe(resultPhaseInputFields);
    expect(ecoExamInputSchema.shape.resume.unwrap().shape.pending.unwrap().shape.body).toBe(examResultBodySchema);
    expect(accountSchemas.examPapers()).toBe(examPapersSchema);
  });
});
