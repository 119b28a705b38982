/**
 * Jest globalSetup: provisions the Temporal CLI and starts ONE dev server shared by every test file, unless
 * TEMPORAL_TEST_ADDRESS already points at a running server. Workers inherit TEMPORAL_TEST_ADDRESS/NAMESPACE.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../../scripts/dev-server';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { SEARCH_ATTRIBUTES_FOR_CLI } from '../../src/common/search-attributes';
import { generateKeyEntry } from '../../src/codec/encryption-codec';
import { FIXTURE_PAYLOAD_KEYS } from './temporal';

/** Where the started server is kept for global-teardown (same process, shared globalThis). */
export const DEV_SERVER_KEY = Symbol.for('feishu-exam-bridge.test.devServer');
export interface StartedDevServer {
  server: DevServer;
  logFile: string;
}
export type GlobalWithServer = typeof globalThis & { [DEV_SERVER_KEY]?: StartedDevServer };

function log(msg: string): void {
  process.stderr.write(`[temporal] ${msg}\n`);
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  // One payload key for the whole run: every test client, worker and spawned entry encrypts with it.
  // Recording replay fixtures uses the fixed fixture key, so CI can decrypt them.
  process.env.TEST_PAYLOAD_ENCRYPTION_KEYS ||=
    process.env.RECORD_HISTORIES === '1' ? FIXTURE_PAYLOAD_KEYS : generateKeyEntry('test');
  process.env.TEMPORAL_CLI_PATH_FOR_TESTS ||= await resolveTemporalCli({ log });
  const existing = process.env.TEMPORAL_TEST_ADDRESS;
  if (existing) {
    process.env.TEMPORAL_TEST_NAMESPACE ||= 'default';
    log(`using the server at ${existing} (TEMPORAL_TEST_ADDRESS), namespace ${process.env.TEMPORAL_TEST_NAMESPACE}`);
    return;
  }
  // resolveTemporalCli (above) throws with the how-to-install message if no CLI can be found or built: never a skip.
  const cliPath = process.env.TEMPORAL_CLI_PATH_FOR_TESTS;
  const logFile = join(tmpdir(), `feishu-exam-bridge-temporal-${process.pid}.log`);
  const server = await startDevServer({
    cliPath,
    ip: '127.0.0.1',
    headless: true,
    namespace: 'default',
    searchAttributes: SEARCH_ATTRIBUTES_FOR_CLI,
    logFile,
  });
  (globalThis as GlobalWithServer)[DEV_SERVER_KEY] = { server, logFile };
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = server.namespace;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  log(`dev server ${server.address} (pid ${server.pid}, log ${logFile}) ready in ${seconds}s`);
}
