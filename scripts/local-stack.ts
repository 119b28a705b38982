/**
 * The local stack behind `npm start`: the Temporal dev server with its Web UI and a persistent database, the worker,
 * the ingest, the codec server and — when no Feishu credentials are configured — the Feishu sandbox, wired together.
 * Secrets the stack needs are generated once and kept in its data folder (with a warning for the payload key).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { generateKeyEntry } from '../src/codec/encryption-codec';
import { listen } from '../src/common/listen';
import { SEARCH_ATTRIBUTES_FOR_CLI } from '../src/common/search-attributes';
import { SQLITE_WAL, startDevServer, type DevServer } from './dev-server';
import { startEntry, type RunningEntry } from './support/child-process';
import { resolveTemporalCli } from './temporal-cli';

export { ROOT } from './support/child-process';

export interface LocalStackOptions {
  dataDir: string;
  ports: { temporal: number; ui: number; ingest: number; codec: number; sandbox: number };
  /** The environment to read Feishu credentials and overrides from. */
  env?: NodeJS.ProcessEnv;
  /** Where the children's and the stack's lines go. */
  log?: (line: string) => void;
  /** Per-process start-up limit. */
  startupTimeoutMs?: number;
}

export interface LocalStack {
  urls: { temporal: string; ui: string; ingest: string; codec: string; sandbox?: string };
  /** KEY=VALUE file with everything the CLI needs (`feishu-exam-bridge` reads it by default). */
  envFile: string;
  /** The variables of that file. */
  env: Record<string, string>;
  pids: Record<string, number>;
  stop(): Promise<void>;
}

interface LocalSecrets {
  payloadKeys: string;
  codecToken: string;
  encryptKey: string;
  verificationToken: string;
  examSystemToken: string;
  sandboxAppSecret: string;
}

const DEFAULT_PORTS = { temporal: 7233, ui: 8233, ingest: 3000, codec: 8888, sandbox: 9000 };
export const PORT_VARIABLES = {
  temporal: 'TEMPORAL_PORT',
  ui: 'TEMPORAL_UI_PORT',
  ingest: 'INGEST_PORT',
  codec: 'CODEC_SERVER_PORT',
  sandbox: 'SANDBOX_PORT',
} as const;

/** Ports from the environment (or DESIGN's defaults); a bad value names its variable. */
export function portsFromEnv(env: NodeJS.ProcessEnv): LocalStackOptions['ports'] {
  const ports = { ...DEFAULT_PORTS };
  for (const [name, variable] of Object.entries(PORT_VARIABLES) as Array<[keyof typeof ports, string]>) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new Error(`${variable} must be a port number (1-65535)`);
    ports[name] = port;
  }
  return ports;
}

function loadSecrets(dataDir: string, log: (line: string) => void): LocalSecrets {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  const secret = () => randomBytes(24).toString('base64url');
  const secrets: LocalSecrets = {
    payloadKeys: generateKeyEntry('local'),
    codecToken: secret(),
    encryptKey: secret(),
    verificationToken: secret(),
    examSystemToken: secret(),
    sandboxAppSecret: secret(),
  };
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  log(
    `WARNING: generated a payload encryption key for the local stack in ${file}. It protects only this local data; ` +
      'production workers and ingests refuse to start without PAYLOAD_ENCRYPTION_KEYS from your secret manager.',
  );
  return secrets;
}

/** Every port free before anything starts; a taken one names its variable (a ConfigError from listen). */
async function assertPortsFree(host: string, ports: LocalStackOptions['ports']): Promise<void> {
  for (const [name, port] of Object.entries(ports) as Array<[keyof typeof ports, number]>) {
    const probe = createServer();
    await listen(probe, { host, port, portVariable: PORT_VARIABLES[name] });
    await new Promise((done) => probe.close(done));
  }
}

/** A TypeScript entry of the stack, its lines prefixed with its name, ready once `ready` is printed. */
function startChild(
  name: string,
  entry: string,
  env: Record<string, string>,
  log: (line: string) => void,
  ready: RegExp,
  timeoutMs: number,
): Promise<RunningEntry> {
  // Keep a little output for the start-up error; the lines themselves go to `log`.
  return startEntry(entry, {
    name,
    env,
    onLine: (line) => log(`[${name}] ${line}`),
    ready,
    timeoutMs,
    keepOutput: 8000,
  });
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const env = options.env ?? process.env;
  const host = '127.0.0.1';
  const timeoutMs = options.startupTimeoutMs ?? 120_000;
  mkdirSync(options.dataDir, { recursive: true });
  await assertPortsFree(host, options.ports);
  const secrets = loadSecrets(options.dataDir, log);
  const { ports } = options;
  const urls = {
    temporal: `${host}:${ports.temporal}`,
    ui: `http://localhost:${ports.ui}`,
    ingest: `http://${host}:${ports.ingest}`,
    codec: `http://${host}:${ports.codec}/codec`,
    sandbox: undefined as string | undefined,
  };
  const children: RunningEntry[] = [];
  let server: DevServer | undefined;
  const stop = async () => {
    // Reverse order: front doors first, the worker drains, Temporal last.
    for (const child of [...children].reverse()) await child.stop('SIGTERM', 15_000);
    await server?.stop();
  };

  try {
    const cliPath = await resolveTemporalCli({ log, env });
    server = await startDevServer({
      cliPath,
      ip: host,
      port: ports.temporal,
      uiPort: ports.ui,
      dbFilename: join(options.dataDir, 'temporal.db'),
      // WAL, synchronous=NORMAL: durable across a crash of the server process, and fast enough for bursts of starts.
      sqlitePragmas: [...SQLITE_WAL],
      searchAttributes: SEARCH_ATTRIBUTES_FOR_CLI,
      uiCodecEndpoint: `${urls.codec}/${secrets.codecToken}`,
      logFile: join(options.dataDir, 'temporal.log'),
      startupTimeoutMs: timeoutMs,
      log,
    });

    const useSandbox = !env.FEISHU_APP_ID;
    if (useSandbox) urls.sandbox = `http://${host}:${ports.sandbox}`;
    const feishu: Record<string, string> = useSandbox
      ? { FEISHU_BASE_URL: urls.sandbox!, FEISHU_APP_ID: 'cli_sandbox', FEISHU_APP_SECRET: secrets.sandboxAppSecret }
      : {
          FEISHU_BASE_URL: env.FEISHU_BASE_URL ?? 'https://open.feishu.cn',
          FEISHU_APP_ID: env.FEISHU_APP_ID ?? '',
          FEISHU_APP_SECRET: env.FEISHU_APP_SECRET ?? '',
          FEISHU_APP_TYPE: env.FEISHU_APP_TYPE ?? 'custom',
        };
    const common: Record<string, string> = {
      TEMPORAL_ADDRESS: urls.temporal,
      TEMPORAL_NAMESPACE: 'default',
      PAYLOAD_ENCRYPTION_KEYS: secrets.payloadKeys,
      LOG_LEVEL: env.LOG_LEVEL ?? 'INFO',
      ...(env.ARRANGEMENT_TIMEOUT && { ARRANGEMENT_TIMEOUT: env.ARRANGEMENT_TIMEOUT }),
      // The result phase is on unless the environment says otherwise (RESULT_TIMEOUT=0: the first release's end at
      // `submitted`); ExamResultStatus is among the search attributes the dev server registers above.
      ...(env.RESULT_TIMEOUT && { RESULT_TIMEOUT: env.RESULT_TIMEOUT }),
      ...(env.RESULT_UPDATE_WINDOW && { RESULT_UPDATE_WINDOW: env.RESULT_UPDATE_WINDOW }),
    };
    const hooks = {
      FEISHU_ENCRYPT_KEY: env.FEISHU_ENCRYPT_KEY ?? secrets.encryptKey,
      FEISHU_VERIFICATION_TOKEN: env.FEISHU_VERIFICATION_TOKEN ?? secrets.verificationToken,
      EXAM_SYSTEM_TOKEN: env.EXAM_SYSTEM_TOKEN ?? secrets.examSystemToken,
    };

    if (useSandbox) {
      children.push(
        await startChild(
          'sandbox',
          'sandbox/server.ts',
          {
            SANDBOX_PORT: String(ports.sandbox),
            FEISHU_APP_ID: 'cli_sandbox',
            FEISHU_APP_SECRET: secrets.sandboxAppSecret,
          },
          log,
          /Feishu sandbox on/,
          timeoutMs,
        ),
      );
    }
    children.push(
      await startChild(
        'codec',
        'src/codec-server/server.ts',
        {
          PAYLOAD_ENCRYPTION_KEYS: secrets.payloadKeys,
          CODEC_SERVER_TOKEN: secrets.codecToken,
          CODEC_SERVER_PORT: String(ports.codec),
          CODEC_CORS_ORIGINS: `http://localhost:${ports.ui},http://127.0.0.1:${ports.ui}`,
        },
        log,
        /codec server listening/,
        timeoutMs,
      ),
    );
    children.push(
      await startChild('worker', 'src/worker.ts', { ...common, ...feishu }, log, /worker started/, timeoutMs),
    );
    children.push(
      await startChild(
        'ingest',
        'src/ingest/server.ts',
        { ...common, ...hooks, ...(useSandbox && { FEISHU_APP_TYPE: 'custom' }), INGEST_PORT: String(ports.ingest) },
        log,
        /ingest listening/,
        timeoutMs,
      ),
    );

    const cliEnv: Record<string, string> = {
      TEMPORAL_ADDRESS: urls.temporal,
      TEMPORAL_NAMESPACE: 'default',
      PAYLOAD_ENCRYPTION_KEYS: secrets.payloadKeys,
      INGEST_URL: urls.ingest,
      ...hooks,
      CODEC_SERVER_TOKEN: secrets.codecToken,
      ...(urls.sandbox && { SANDBOX_URL: urls.sandbox }),
    };
    const envFile = join(options.dataDir, 'local.env');
    writeFileSync(
      envFile,
      `# Written by npm start: the local stack's settings, for the ops CLI. Local secrets; never commit.\n${Object.entries(
        cliEnv,
      )
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
      { mode: 0o600 },
    );
    const pids = Object.fromEntries([
      ['temporal', server.pid],
      ...children.map((c) => [c.name, c.pid] as const),
    ]) as Record<string, number>;
    writeFileSync(join(options.dataDir, 'stack.json'), `${JSON.stringify({ pids, urls }, null, 2)}\n`);
    return { urls: { ...urls }, envFile, env: cliEnv, pids, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
