import { lazySchema } from '../../src/common/lazy-schema';
import { bundleOptions } from '../../src/worker/bundle';
import { ecoExamInputSchema, loginInfoBodySchema } from '../../src/common/schemas';
import { examResultBodySchema, resultPhaseInputFields } from '../../src/common/result-schemas';
import { examPapersSchema } from '../../src/common/account-schemas';
import { examSchemas } from '../../src/common/lazy-schemas';
import { resultSchemas } from '../../src/common/lazy-result-schemas';
import { accountSchemas } from '../../src/common/lazy-account-schemas';

/** The SDK's treatment of a preloaded module's exports (reusable V8 context): frozen deeply, getters read first. */
function deepFreeze(value: unknown, visited = new WeakSet<object>()): void {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
  if (visited.has(value) || Object.isFrozen(value)) return;
  visited.add(value);
  if (typeof value === 'object') {
    for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key], visited);
  }
  Object.freeze(value);
}

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

  it('still parse, with the same messages, once their exports are frozen as the SDK does', () => {
    jest.isolateModules(() => {
      // Fresh copies (nothing built yet), frozen before their first use.
      const modules = PRELOADED.map((path) => jest.requireActual<Record<string, unknown>>(path));
      for (const exports of modules) deepFreeze(exports);
      const [exam, result, account, legacy] = modules as [
        { examSchemas: typeof examSchemas; describeZodError: (e: unknown) => string },
        { resultSchemas: typeof resultSchemas },
        { accountSchemas: typeof accountSchemas },
        { legacyEcoExamInputSchema: () => { safeParse: (v: unknown) => { success: boolean } } },
      ];
      expect(exam.examSchemas.ecoExamInput().safeParse({ examId: 'e-1', resultTimeout: '1 day' }).success).toBe(true);
      const bad = exam.examSchemas.ecoExamInput().safeParse({ examId: 'a b' });
      expect(bad.success).toBe(false);
      expect(exam.describeZodError(bad.error)).toBe('examId: exam_id may contain only letters, digits and _ . : -');
      const login = exam.examSchemas.loginInfoBody().safeParse({ exam_login_info: { exam_url: 'ftp://x' } });
      expect(exam.describeZodError(login.error)).toBe(
        'exam_login_info.exam_url: exam_url must be an absolute http(s) URL',
      );
      expect(result.resultSchemas.examResultBody().safeParse({ result: '60', result_time: '1' }).success).toBe(true);
      const papers = account.accountSchemas
        .examPapers()
        .safeParse({ paper_list: [{ id: 'p', name: 'n', end_time: 'x' }] });
      expect(exam.describeZodError(papers.error)).toBe(
        'paper_list.0.end_time: must be a string of 1–15 digits (milliseconds)',
      );
      expect(legacy.legacyEcoExamInputSchema().safeParse({ examId: 'e-1' }).success).toBe(true);
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
