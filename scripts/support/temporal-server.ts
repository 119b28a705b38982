/**
 * A production-shaped Temporal server for scripts/production-check.ts: the server and its SQL schema tool built from
 * their Go modules (v1.29.1, the server the CLI v1.5.1 bundles) into the user cache like the CLI is
 * (scripts/temporal-cli.ts), the PostgreSQL schemas set up with `temporal-sql-tool` from the versioned schema files the
 * server module ships, a minimal config (postgres12 for persistence and visibility, one cluster, 4 history shards,
 * every port a free loopback one), and the server itself under the parent watchdog.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { acquireDirLock } from '../dir-lock';
import { appCacheDir } from '../temporal-cli';
import { errorText, formatElapsed, isExecutable, runCommand } from './provision';
import { startWatched, type WatchedCommand } from './watched-command';
import type { Postgres } from './postgres';

export const TEMPORAL_SERVER_VERSION = '1.29.1';
const MODULE = 'go.temporal.io/server';
const PACKAGES = [`${MODULE}/cmd/server`, `${MODULE}/cmd/tools/sql`];
const BUILD_TIMEOUT_MS = 40 * 60_000;
const HEARTBEAT_MS = 30_000;
const GO_TIMEOUT_MS = 5 * 60_000;
const TOOL_TIMEOUT_MS = 120_000;
const READY_TIMEOUT_MS = 120_000;

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** `schema/postgresql/v12` of the server module, in the Go module cache. */
  schemaDir: string;
  /** Whether this call built the binaries (a cold start). */
  built: boolean;
}

/** `${appCacheDir}/temporal-server-1.29.1`: GOBIN of the build (`server`, `sql`). */
export function temporalServerCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(appCacheDir(env), `temporal-server-${TEMPORAL_SERVER_VERSION}`);
}

function goEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=mod', ...extra };
}

/** The cached binaries, or a `go install` of both into the cache (once, under a lock). Needs Go >= 1.25. */
export async function provisionTemporalServer(log: (msg: string) => void): Promise<TemporalServerBinaries> {
  const dir = temporalServerCacheDir();
  const server = join(dir, 'server');
  const sqlTool = join(dir, 'sql');
  const cached = async () => (await isExecutable(server)) && (await isExecutable(sqlTool));
  let built = false;
  if (!(await cached())) {
    await mkdir(dir, { recursive: true });
    const release = await acquireDirLock(join(dir, '.build.lock'), {
      staleMs: BUILD_TIMEOUT_MS + 60_000,
      onWait: () => log(`Another process is building the Temporal server (lock in ${dir}); waiting for it…`),
    });
    try {
      if (!(await cached())) {
        await buildWithGo(dir, log);
        built = true;
      }
    } finally {
      await release();
    }
  }
  return { server, sqlTool, schemaDir: await moduleSchemaDir(), built };
}

async function buildWithGo(dir: string, log: (msg: string) => void): Promise<void> {
  const started = Date.now();
  log(`Building the Temporal server v${TEMPORAL_SERVER_VERSION} and temporal-sql-tool with Go (first time only)…`);
  const heartbeat = setInterval(
    () => log(`…still building the Temporal server (${formatElapsed(Date.now() - started)} elapsed)`),
    HEARTBEAT_MS,
  );
  try {
    const packages = PACKAGES.map((pkg) => `${pkg}@v${TEMPORAL_SERVER_VERSION}`);
    await runCommand('go', ['install', ...packages], { env: goEnv({ GOBIN: dir }), timeoutMs: BUILD_TIMEOUT_MS });
  } catch (err) {
    throw new Error(
      `\`go install\` of the Temporal server failed (Go >= 1.25 is needed, https://go.dev/dl/): ${errorText(err)}`,
    );
  } finally {
    clearInterval(heartbeat);
  }
  log(`Built the Temporal server in ${formatElapsed(Date.now() - started)} into ${dir}`);
}

/** Where the Go module cache holds the server module's PostgreSQL schemas (downloaded if missing). */
async function moduleSchemaDir(): Promise<string> {
  const out = await runCommand('go', ['mod', 'download', '-json', `${MODULE}@v${TEMPORAL_SERVER_VERSION}`], {
    env: goEnv(),
    timeoutMs: GO_TIMEOUT_MS,
  });
  const dir = (JSON.parse(out) as { Dir?: unknown }).Dir;
  if (typeof dir !== 'string') throw new Error(`\`go mod download\` did not name the module's directory: ${out}`);
  return join(dir, 'schema', 'postgresql', 'v12');
}

export const DATABASES = { default: 'temporal', visibility: 'temporal_visibility' } as const;

/** create-database, setup-schema -v 0.0, update-schema -d <versioned dir>: for the default and visibility stores. */
export async function setupSchemas(bins: TemporalServerBinaries, pg: Postgres): Promise<void> {
  const common = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user];
  const env = { ...process.env, SQL_PASSWORD: pg.password }; // not in argv, where `ps` would show it
  const steps: Array<[string, string]> = [
    [DATABASES.default, join(bins.schemaDir, 'temporal', 'versioned')],
    [DATABASES.visibility, join(bins.schemaDir, 'visibility', 'versioned')],
  ];
  for (const [db, versioned] of steps) {
    for (const args of [['create-database'], ['setup-schema', '-v', '0.0'], ['update-schema', '-d', versioned]]) {
      try {
        await runCommand(bins.sqlTool, [...common, '--db', db, ...args], { env, timeoutMs: TOOL_TIMEOUT_MS });
      } catch (err) {
        throw new Error(`temporal-sql-tool ${args[0]} (${db}) failed: ${errorText(err)}`);
      }
    }
  }
}

export interface TemporalServerConfig {
  /** `<rootDir>/config/production.yaml` and the dynamic config live here. */
  rootDir: string;
  /** host:port of the frontend. */
  address: string;
}

/** A minimal production config: postgres12 persistence and visibility, one cluster, 4 shards, loopback ports. */
export async function writeServerConfig(rootDir: string, pg: Postgres): Promise<TemporalServerConfig> {
  const host = '127.0.0.1';
  const ports: number[] = [];
  while (ports.length < 9) {
    const port = await freePortBelow32768(host);
    if (!ports.includes(port)) ports.push(port);
  }
  const [
    frontend,
    frontendHttp,
    frontendMember,
    history,
    historyMember,
    matching,
    matchingMember,
    worker,
    workerMember,
  ] = ports as [number, number, number, number, number, number, number, number, number];
  const store = (database: string, maxConns: number) => `      sql:
        pluginName: postgres12
        databaseName: ${database}
        connectAddr: "${pg.host}:${pg.port}"
        connectProtocol: tcp
        user: ${pg.user}
        password: "${pg.password}"
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = (grpc: number, membership: number, http?: number) => `    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnIP: ${host}${http === undefined ? '' : `\n      httpPort: ${http}`}`;
  const yaml = `log:
  stdout: true
  level: warn
persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: 4
  datastores:
    postgres-default:
${store(DATABASES.default, 10)}
    postgres-visibility:
${store(DATABASES.visibility, 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: ${host}
services:
  frontend:
${service(frontend, frontendMember, frontendHttp)}
  history:
${service(history, historyMember)}
  matching:
${service(matching, matchingMember)}
  worker:
${service(worker, workerMember)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "${host}:${frontend}"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${JSON.stringify(join(rootDir, 'config', 'dynamicconfig.yaml'))}
  pollInterval: 10s
`;
  // A registered search attribute is usable at once (the dev server sets the same).
  // Fairness and one partition per task queue: the per-tenant Feishu quota (docs/performance.md#quota-design).
  const dynamicConfig = `system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
matching.enableFairness:
  - value: true
matching.numTaskqueueReadPartitions:
  - value: 1
matching.numTaskqueueWritePartitions:
  - value: 1
`;
  await mkdir(join(rootDir, 'config'), { recursive: true, mode: 0o700 });
  await writeFile(join(rootDir, 'config', 'production.yaml'), yaml, { mode: 0o600 });
  await writeFile(join(rootDir, 'config', 'dynamicconfig.yaml'), dynamicConfig, { mode: 0o600 });
  return { rootDir, address: `${host}:${frontend}` };
}

/**
 * The SQL schema keeps membership ports in a `smallint` (cluster_membership.rpc_port): a port of the kernel's
 * ephemeral range (32768 and up) fails with `pq: value "43891" is out of range for type smallint`. So: a random port
 * of 10000–32767 that is free right now.
 */
async function freePortBelow32768(host: string): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 22_768);
    if (await isFree(host, port)) return port;
  }
  throw new Error('no free port found between 10000 and 32767');
}

function isFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export interface TemporalServer {
  address: string;
  pid: number;
  /** SIGTERM to the server (a graceful shutdown), SIGKILL after the watchdog's grace time; resolves with how it exited. */
  stop(): Promise<string>;
}

/** Starts `server --env production start` on the config, and waits until the frontend answers. */
export async function startTemporalServer(
  bins: TemporalServerBinaries,
  config: TemporalServerConfig,
  logFile: string,
): Promise<TemporalServer> {
  const args = ['--root', config.rootDir, '--config', 'config', '--env', 'production', '--allow-no-auth', 'start'];
  const server = startWatched(bins.server, args, logFile, config.rootDir);
  try {
    await waitUntilServing(config.address, server);
  } catch (err) {
    await server.process.stop();
    throw new Error(`the Temporal server did not start: ${errorText(err)}\n${await server.tail()}`);
  }
  const stop = async () => {
    await server.process.stop();
    const exit = server.process.exitInfo;
    return exit?.signal ? `signal ${exit.signal}` : `exit code ${exit?.code ?? '?'}`;
  };
  return { address: config.address, pid: await server.pid, stop };
}

async function waitUntilServing(address: string, server: WatchedCommand): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'not reachable yet';
  while (Date.now() < deadline) {
    if (server.process.exitInfo) throw new Error('the server process exited');
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: '2s' });
      const conn = connection;
      await conn.withDeadline(Date.now() + 2_000, () => conn.workflowService.getSystemInfo({}));
      await conn.withDeadline(Date.now() + 2_000, () => conn.workflowService.listNamespaces({ pageSize: 1 }));
      return;
    } catch (err) {
      last = errorText(err);
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`not serving after ${READY_TIMEOUT_MS} ms (last: ${last})`);
}
