/**
 * resolveChromium's order, with an injected file system and command runner: nothing on this machine is looked at or
 * run (the real install is exercised by test/browser). Only the install lock touches the disk, in a temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChromiumNotFoundError,
  parseOsRelease,
  resolveChromium,
  type ChromiumFs,
  type Exec,
  type ResolveChromiumOptions,
} from '../../scripts/chromium';

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n';
const UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n';
const MINT = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n';
const FEDORA = 'NAME="Fedora Linux"\nID=fedora\n';

interface Machine {
  /** Executable files. */
  executables: Set<string>;
  /** `--version` output per binary; a missing entry means the binary fails. */
  versions: Map<string, string>;
  osRelease?: string;
  /** Every command run, as `cmd args…`. */
  ran: string[];
  /** Env each apt-get call saw. */
  aptEnv: NodeJS.ProcessEnv[];
  /** What `apt-get install` puts on the disk (path → version line). */
  aptInstalls: Map<string, string>;
  aptDelayMs: number;
}

let tmp: string;

beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'chromium-test-'));
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function machine(init: Partial<Machine> = {}): Machine {
  return {
    executables: new Set(),
    versions: new Map(),
    ran: [],
    aptEnv: [],
    aptInstalls: new Map([['/usr/bin/chromium', 'Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)']]),
    aptDelayMs: 0,
    ...init,
  };
}

/** Puts a working binary at `path`, answering `--version` with `version`. */
function install(m: Machine, path: string, version = 'Chromium 156.0.0.0'): void {
  m.executables.add(path);
  m.versions.set(path, version);
}

/** Puts an executable at `path` whose `--version` fails. */
function installBroken(m: Machine, path: string): void {
  m.executables.add(path);
}

function fakeFs(m: Machine): ChromiumFs {
  return {
    isExecutable: async (path) => m.executables.has(path),
    readText: async (path) => (path === '/etc/os-release' ? m.osRelease : undefined),
  };
}

function fakeExec(m: Machine): Exec {
  return async (cmd, args, { env }) => {
    m.ran.push([cmd, ...args].join(' '));
    if (cmd === 'apt-get') {
      m.aptEnv.push(env);
      if (args[0] === 'install') {
        await new Promise((resolve) => setTimeout(resolve, m.aptDelayMs));
        for (const [path, version] of m.aptInstalls) install(m, path, version);
      }
      return '';
    }
    const version = m.versions.get(cmd);
    if (!m.executables.has(cmd) || version === undefined) throw new Error(`${cmd}: exited with code 1`);
    return `${version}\n`;
  };
}

function options(m: Machine, extra: Partial<ResolveChromiumOptions> = {}): ResolveChromiumOptions {
  return {
    env: { PATH: '/opt/a/bin:/opt/b/bin', HOME: tmp, XDG_CACHE_HOME: join(tmp, 'cache') },
    log: () => undefined,
    exec: fakeExec(m),
    fs: fakeFs(m),
    uid: 1000,
    ...extra,
  };
}

test('CHROMIUM_PATH wins over PATH and the usual locations', async () => {
  const m = machine();
  install(m, '/custom/chrome', 'Google Chrome 140.0.0.0');
  install(m, '/opt/a/bin/chromium');
  install(m, '/usr/bin/chromium');
  const opts = options(m);
  await expect(resolveChromium({ ...opts, env: { ...opts.env, CHROMIUM_PATH: '/custom/chrome' } })).resolves.toBe(
    '/custom/chrome',
  );
  expect(m.ran).toEqual(['/custom/chrome --version']);
});

test('a broken CHROMIUM_PATH is an error naming the variable, with no fall-through', async () => {
  const m = machine();
  installBroken(m, '/custom/broken');
  install(m, '/usr/bin/chromium');
  const opts = options(m);
  const env = { ...opts.env, CHROMIUM_PATH: '/custom/broken' };
  await expect(resolveChromium({ ...opts, env })).rejects.toThrow(/CHROMIUM_PATH is set to "\/custom\/broken"/);
  expect(m.ran).toEqual(['/custom/broken --version']);
});

test('PATH comes next: names in order (chromium first), a broken entry skipped', async () => {
  const m = machine();
  installBroken(m, '/opt/a/bin/chromium');
  install(m, '/opt/b/bin/google-chrome', 'Google Chrome 140.0.0.0');
  install(m, '/opt/b/bin/chromium-browser', 'Chromium 150.0.0.0');
  install(m, '/usr/bin/chromium');
  await expect(resolveChromium(options(m))).resolves.toBe('/opt/b/bin/chromium-browser');
  expect(m.ran).toEqual(['/opt/a/bin/chromium --version', '/opt/b/bin/chromium-browser --version']);
});

test('then the usual locations, when nothing is on PATH', async () => {
  const m = machine();
  install(m, '/usr/lib/chromium/chromium');
  await expect(resolveChromium(options(m))).resolves.toBe('/usr/lib/chromium/chromium');
  const mac = machine();
  install(mac, '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', 'Google Chrome 140.0.0.0');
  await expect(resolveChromium(options(mac))).resolves.toBe(
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  );
});

test('a binary whose --version is not a browser is not taken', async () => {
  const m = machine();
  install(m, '/opt/a/bin/chromium', 'hello');
  install(m, '/snap/bin/chromium', 'Chromium 150.0.0.0 snap');
  await expect(resolveChromium(options(m))).resolves.toBe('/snap/bin/chromium');
});

test('as root on Debian: apt-get update, then install chromium and the CJK font, with progress lines', async () => {
  const m = machine({ osRelease: DEBIAN });
  const lines: string[] = [];
  await expect(resolveChromium(options(m, { uid: 0, log: (line) => lines.push(line) }))).resolves.toBe(
    '/usr/bin/chromium',
  );
  expect(m.ran).toEqual([
    'apt-get update -qq',
    'apt-get install -y -qq chromium fonts-wqy-microhei',
    '/usr/bin/chromium --version',
  ]);
  expect(m.aptEnv.map((env) => env.DEBIAN_FRONTEND)).toEqual(['noninteractive', 'noninteractive']);
  expect(lines[0]).toMatch(/Installing chromium fonts-wqy-microhei with apt-get/);
  expect(lines.at(-1)).toMatch(/Installed chromium fonts-wqy-microhei in \d+s/);
});

test('Ubuntu and its derivatives (ID_LIKE) get chromium-browser', async () => {
  for (const osRelease of [UBUNTU, MINT]) {
    const m = machine({ osRelease, aptInstalls: new Map([['/usr/bin/chromium-browser', 'Chromium 150.0.0.0']]) });
    await expect(resolveChromium(options(m, { uid: 0 }))).resolves.toBe('/usr/bin/chromium-browser');
    expect(m.ran).toContain('apt-get install -y -qq chromium-browser fonts-wqy-microhei');
  }
});

test('parallel callers (jest workers) run apt once: the second waits on the lock, then finds the browser', async () => {
  const m = machine({ osRelease: DEBIAN, aptDelayMs: 300 });
  const waits: string[] = [];
  const opts = options(m, { uid: 0, log: (line) => waits.push(line) });
  const paths = await Promise.all([resolveChromium(opts), resolveChromium(opts)]);
  expect(paths).toEqual(['/usr/bin/chromium', '/usr/bin/chromium']);
  expect(m.ran.filter((cmd) => cmd.startsWith('apt-get install'))).toHaveLength(1);
  expect(waits.some((line) => /Another process is installing Chromium/.test(line))).toBe(true);
});

test('not root on Debian: no apt-get; the error gives the exact command', async () => {
  const m = machine({ osRelease: DEBIAN });
  const failure = resolveChromium(options(m, { uid: 1000 }));
  await expect(failure).rejects.toBeInstanceOf(ChromiumNotFoundError);
  await expect(failure).rejects.toThrow(
    'run: sudo apt-get update && sudo apt-get install -y chromium fonts-wqy-microhei',
  );
  await expect(failure).rejects.toThrow(/apt-get: not running as root/);
  expect(m.ran).toEqual([]);
});

test('not Debian/Ubuntu: no apt-get even as root; the error says what each step found', async () => {
  const m = machine({ osRelease: FEDORA });
  const failure = resolveChromium(options(m, { uid: 0 }));
  await expect(failure).rejects.toThrow(/set CHROMIUM_PATH/);
  await expect(failure).rejects.toThrow(/PATH: none of chromium, chromium-browser, google-chrome/);
  await expect(failure).rejects.toThrow(/apt-get: not Debian\/Ubuntu/);
  expect(m.ran).toEqual([]);
});

test('a failed apt-get is reported, not swallowed', async () => {
  const m = machine({ osRelease: DEBIAN });
  const exec: Exec = async (cmd, args) => {
    m.ran.push([cmd, ...args].join(' '));
    throw new Error('E: Unable to locate package chromium');
  };
  await expect(resolveChromium(options(m, { uid: 0, exec }))).rejects.toThrow(
    /apt-get: E: Unable to locate package chromium/,
  );
  expect(m.ran).toEqual(['apt-get update -qq']);
});

test('parseOsRelease reads ID and ID_LIKE, quoted or not', () => {
  expect(parseOsRelease(MINT)).toEqual({ id: 'linuxmint', idLike: ['ubuntu', 'debian'] });
  expect(parseOsRelease(DEBIAN)).toEqual({ id: 'debian', idLike: [] });
  expect(parseOsRelease("ID='arch'\n")).toEqual({ id: 'arch', idLike: [] });
});
