// @ts-check
import { dirname, join, relative, resolve, sep } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SRC = join(import.meta.dirname, 'src');

/**
 * THE architecture, enforced: which folder of src/ may import which (besides itself and npm packages). Entries sit
 * on top (ingest, codec server, CLI, worker), then client | activities | workflows, then feishu | codec, then common.
 * `worker` is src/worker.ts and src/worker/, `entry` is src/entry.ts, `index` the package's public API (src/index.ts).
 * Nothing in src/ imports outside src/ (the sandbox, bench, scripts, tests). A new folder needs a row here.
 * `{ types: 'x' }`: `import type` only.
 */
/** @type {Record<string, Array<string | { types: string }>>} */
const LAYERS = {
  common: [],
  codec: ['common'],
  feishu: ['common'],
  workflows: ['common', { types: 'activities' }],
  activities: ['feishu', 'codec', 'common'],
  client: ['workflows', 'codec', 'common'],
  config: ['codec', 'common'],
  entry: ['common'],
  // `metrics`: prom-client behind the interfaces of src/common/metrics.ts; only the entries' processes create one.
  metrics: ['common'],
  worker: ['activities', 'client', 'feishu', 'codec', 'config', 'entry', 'metrics', 'common'],
  ingest: ['client', 'feishu', 'codec', 'config', 'entry', 'metrics', 'common'],
  'codec-server': ['codec', 'feishu', 'config', 'entry', 'common'],
  // `sandbox`: src/sandbox until it moves to the top-level sandbox/ (then the CLI's push-event needs its signer here).
  cli: ['client', 'feishu', 'codec', 'config', 'common', 'sandbox'],
  sandbox: ['feishu', 'config', 'entry', 'common'],
  index: ['client', 'activities', 'workflows', 'common'],
};

/** The layer of a path under src/: its first folder, or a top-level file's name without extension. */
function layerOf(/** @type {string} */ pathInSrc) {
  return pathInSrc.split(sep)[0].replace(/\.[cm]?[jt]s$/, '');
}

/** @type {import('eslint').Rule.RuleModule} */
const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'src/ imports follow the layer table of eslint.config.mjs' },
    schema: [],
  },
  create(context) {
    const file = relative(SRC, context.filename);
    if (file.startsWith('..')) return {};
    const from = layerOf(file);
    const allowed = LAYERS[from];
    /** @param {import('estree').Node} node @param {unknown} source @param {boolean} typeOnly */
    const check = (node, source, typeOnly) => {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const target = relative(SRC, resolve(dirname(context.filename), source));
      if (target.startsWith('..')) {
        const folder = relative(join(SRC, '..'), resolve(dirname(context.filename), source)).split(sep)[0];
        context.report({
          node,
          message: `src/ must not import ${folder}/ (outside src: sandbox, bench, scripts, tests)`,
        });
        return;
      }
      const to = layerOf(target);
      if (to === from) return;
      if (allowed === undefined) {
        context.report({ node, message: `src/${from} has no row in the LAYERS table of eslint.config.mjs` });
      } else if (allowed.includes(to)) {
        return;
      } else if (typeOnly && allowed.some((entry) => typeof entry === 'object' && entry.types === to)) {
        return;
      } else {
        const typesToo = allowed.some((entry) => typeof entry === 'object' && entry.types === to);
        context.report({
          node,
          message: typesToo
            ? `src/${from} may import only types from src/${to} (use \`import type\`)`
            : `src/${from} must not import src/${to} (layers: see LAYERS in eslint.config.mjs)`,
        });
      }
    };
    /** @param {any} node */
    const typeOnlyImport = (node) =>
      node.importKind === 'type' ||
      node.exportKind === 'type' ||
      (node.specifiers?.length > 0 &&
        node.specifiers.every((/** @type {any} */ s) => s.importKind === 'type' || s.exportKind === 'type'));
    return {
      ImportDeclaration: (node) => check(node, node.source.value, typeOnlyImport(node)),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, typeOnlyImport(node)),
      ExportAllDeclaration: (node) => check(node, node.source.value, typeOnlyImport(node)),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value, false),
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-artifacts/**', '.data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.mjs', '*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['src/**/*.ts'],
    plugins: { architecture: { rules: { layers: layersRule } } },
    rules: { 'architecture/layers': 'error' },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'http', 'https', 'net', 'crypto', 'child_process', 'os', 'path'],
              message: 'Workflow code must be deterministic: no Node built-ins.',
            },
          ],
        },
      ],
    },
  },
);
