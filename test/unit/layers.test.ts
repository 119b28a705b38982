import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The one-way import rule of eslint.config.mjs (LAYERS) refuses what the architecture forbids. Each snippet is linted
 * as if it were the given file of src/, through ESLint's Node API with the project's config — in a child process,
 * because the config is an ES module that jest's CommonJS runtime cannot load.
 */
const ROOT = join(__dirname, '..', '..');

const LINT = `
import { ESLint } from 'eslint';
const cases = JSON.parse(process.argv[1]);
// Only the layer rule, without type information: fast, and the rule needs none.
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => ruleId === 'architecture/layers',
});
const out = [];
for (const [filePath, code] of cases) {
  const [result] = await eslint.lintText(code, { filePath });
  out.push(result.messages.map((m) => m.ruleId + ': ' + m.message));
}
process.stdout.write(JSON.stringify(out));
`;

/** Layer errors of each [file, code] snippet. */
function lint(cases: Array<[string, string]>): string[][] {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', LINT, JSON.stringify(cases)], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(output) as string[][];
}

const refused = (from: string, to: string) =>
  `architecture/layers: src/${from} must not import src/${to} (layers: see LAYERS in eslint.config.mjs)`;

describe('architecture/layers (eslint.config.mjs)', () => {
  it('refuses imports against the layers and accepts the real wiring', () => {
    const results = lint([
      ['src/common/constants.ts', "export { buildApp } from '../ingest/app';\n"],
      ['src/feishu/http.ts', "import { ConfigError } from '../config';\nvoid ConfigError;\n"],
      [
        'src/ingest/server.ts',
        "import { runWorker } from '../worker';\nimport { main } from '../cli';\nvoid [runWorker, main];\n",
      ],
      ['src/workflows/definitions.ts', "import { createActivities } from '../activities';\nvoid createActivities;\n"],
      [
        'src/workflows/definitions.ts',
        "import type { Activities } from '../activities';\nexport type A = Activities;\n",
      ],
      ['src/client/errors.ts', "import { startDevServer } from '../../scripts/dev-server';\nvoid startDevServer;\n"],
      ['src/codec-server/server.ts', "import { buildApp } from '../ingest/app';\nvoid buildApp;\n"],
      [
        'src/worker.ts',
        "import { loadWorkerConfig } from './config';\nimport { createWorkers } from './worker/compose';\nvoid [loadWorkerConfig, createWorkers];\n",
      ],
    ]);
    expect(results).toEqual([
      [refused('common', 'ingest')],
      [refused('feishu', 'config')],
      [refused('ingest', 'worker'), refused('ingest', 'cli')],
      ['architecture/layers: src/workflows may import only types from src/activities (use `import type`)'],
      [],
      ['architecture/layers: src/ must not import scripts/ (outside src: sandbox, bench, scripts, tests)'],
      [refused('codec-server', 'ingest')],
      [],
    ]);
  });
});
