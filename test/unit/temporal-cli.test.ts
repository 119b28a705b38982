/**
 * resolveTemporalCli's order, with fake executables in temp dirs (no network: the SDK download is disabled and the
 * only `go` ever on PATH is a fake one).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveTemporalCli, TemporalCliNotFoundError } from '../../scripts/temporal-cli';

let root: string;
const noBin = (): string => mkdir('empty-bin');

function mkdir(...parts: string[]): string {
  const dir = join(root, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function writeExecutable(file: string, content: string): string {
  writeFileSync(file, content, { mode: 0o755 });
  return file;
}

function fakeTemporal(dir: string, label: string): string {
  return writeExecutable(join(dir, 'temporal'), `#!/bin/sh\necho "temporal version 9.9.9-${label}"\n`);
}

/** A fake `go` (a Node script): `version` prints `goVersion`; `install` writes a fake temporal into $GOBIN. */
function fakeGo(dir: string, goVersion: string, installCounter: string): string {
  const script = `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
if (args[0] === 'version') { console.log('go version ${goVersion} linux/amd64'); process.exit(0); }
if (args[0] !== 'install') process.exit(2);
fs.appendFileSync(${JSON.stringify(installCounter)}, args[1] + '\\n');
const e = process.env;
const out = '#!/bin/sh\\necho "temporal version built toolchain=' + (e.GOTOOLCHAIN || '') + ' cgo=' + e.CGO_ENABLED + '"\\n';
setTimeout(() => fs.writeFileSync(e.GOBIN + '/temporal', out, { mode: 0o755 }), 1500);
`;
  return writeExecutable(join(dir, 'go'), script);
}

/** An env with nothing inherited from this machine, so no real temporal/go can be found. */
function isolatedEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: mkdir('home'), XDG_CACHE_HOME: mkdir('xdg-empty'), PATH: noBin(), ...extra };
}

const quiet = { log: (): void => undefined, allowDownload: false };

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'temporal-cli-test-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

test('TEMPORAL_CLI_PATH wins over PATH and the cache', async () => {
  const explicit = fakeTemporal(mkdir('explicit'), 'explicit');
  fakeTemporal(mkdir('path-bin'), 'path');
  const env = isolatedEnv({ TEMPORAL_CLI_PATH: explicit, PATH: join(root, 'path-bin') });
  await expect(resolveTemporalCli({ ...quiet, env })).resolves.toBe(explicit);
});

test('a broken TEMPORAL_CLI_PATH throws an error naming the variable (no fall-through)', async () => {
  const broken = writeExecutable(join(mkdir('broken'), 'temporal'), '#!/bin/sh\necho boom >&2\nexit 3\n');
  fakeTemporal(mkdir('path-bin'), 'path');
  const env = isolatedEnv({ TEMPORAL_CLI_PATH: broken, PATH: join(root, 'path-bin') });
  await expect(resolveTemporalCli({ ...quiet, env })).rejects.toThrow(/TEMPORAL_CLI_PATH.*broken/);
  const missing = isolatedEnv({ TEMPORAL_CLI_PATH: join(root, 'does-not-exist') });
  await expect(resolveTemporalCli({ ...quiet, env: missing })).rejects.toThrow(/TEMPORAL_CLI_PATH/);
});

test('PATH is used when TEMPORAL_CLI_PATH is not set, skipping a broken entry', async () => {
  writeExecutable(join(mkdir('bad-bin'), 'temporal'), '#!/bin/sh\nexit 1\n');
  const good = fakeTemporal(mkdir('path-bin'), 'path');
  const env = isolatedEnv({ PATH: [join(root, 'bad-bin'), join(root, 'path-bin')].join(':') });
  await expect(resolveTemporalCli({ ...quiet, env })).resolves.toBe(good);
});

test('the cached build is used when temporal is not on PATH', async () => {
  const xdg = mkdir('xdg');
  const cached = fakeTemporal(mkdir('xdg', 'feishu-exam-bridge', 'temporal-cli-1.5.1'), 'cached');
  const env = isolatedEnv({ XDG_CACHE_HOME: xdg });
  await expect(resolveTemporalCli({ ...quiet, env })).resolves.toBe(cached);
});

test('the cache falls back to ~/.cache without XDG_CACHE_HOME', async () => {
  const home = mkdir('home2');
  const cached = fakeTemporal(mkdir('home2', '.cache', 'feishu-exam-bridge', 'temporal-cli-1.5.1'), 'cached');
  const env = isolatedEnv({ HOME: home, XDG_CACHE_HOME: undefined });
  await expect(resolveTemporalCli({ ...quiet, env })).resolves.toBe(cached);
});

test('with nothing available and no go on PATH it throws the how-to-install message', async () => {
  const env = isolatedEnv();
  const error: unknown = await resolveTemporalCli({ ...quiet, env }).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(TemporalCliNotFoundError);
  const message = (error as Error).message;
  expect(message).toContain('TEMPORAL_CLI_PATH');
  expect(message).toContain('put `temporal` on PATH');
  expect(message).toContain('install Go >= 1.25');
  expect(message).toContain('PATH: no `temporal` on PATH');
  expect(message).toMatch(/cache: nothing cached at .*temporal-cli-1\.5\.1/);
  expect(message).toContain('go build: `go` not found on PATH');
  expect(message).toContain('SDK download: disabled');
});

test('go >= 1.25 builds once into the cache with CGO_ENABLED=0 and GOTOOLCHAIN=local, even for concurrent callers', async () => {
  const counter = join(root, 'installs.txt');
  fakeGo(mkdir('go-bin'), 'go1.26.0', counter);
  const xdg = mkdir('xdg');
  const env = isolatedEnv({ PATH: join(root, 'go-bin'), XDG_CACHE_HOME: xdg });
  const logs: string[] = [];
  const options = { env, allowDownload: false, log: (msg: string) => logs.push(msg) };
  const [first, second] = await Promise.all([resolveTemporalCli(options), resolveTemporalCli(options)]);
  const expected = join(xdg, 'feishu-exam-bridge', 'temporal-cli-1.5.1', 'temporal');
  expect(first).toBe(expected);
  expect(second).toBe(expected);
  expect(readFileSync(counter, 'utf8')).toBe('github.com/temporalio/cli/cmd/temporal@v1.5.1\n');
  expect(execFileSync(expected, ['--version'], { encoding: 'utf8' })).toContain('toolchain=local cgo=0');
  expect(logs.some((msg) => msg.startsWith('Building the Temporal CLI v1.5.1 with Go'))).toBe(true);
});

test('an older go leaves GOTOOLCHAIN alone', async () => {
  fakeGo(mkdir('go-bin'), 'go1.22.3', join(root, 'installs.txt'));
  const env = isolatedEnv({ PATH: join(root, 'go-bin'), XDG_CACHE_HOME: mkdir('xdg') });
  const path = await resolveTemporalCli({ ...quiet, env });
  expect(execFileSync(path, ['--version'], { encoding: 'utf8' })).toContain('toolchain= cgo=0');
});

test('allowBuild: false skips go even when it is on PATH', async () => {
  const counter = join(root, 'installs.txt');
  fakeGo(mkdir('go-bin'), 'go1.26.0', counter);
  const env = isolatedEnv({ PATH: join(root, 'go-bin') });
  await expect(resolveTemporalCli({ ...quiet, env, allowBuild: false })).rejects.toThrow(/go build: disabled/);
  expect(() => readFileSync(counter)).toThrow();
});
