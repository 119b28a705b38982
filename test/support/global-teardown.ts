/** Jest globalTeardown: stops the dev server started by global-setup (nothing if an existing server was used). */
import { rm } from 'node:fs/promises';
import { DEV_SERVER_KEY, type GlobalWithServer } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as GlobalWithServer;
  const started = holder[DEV_SERVER_KEY];
  if (!started) return;
  delete holder[DEV_SERVER_KEY];
  await started.server.stop();
  await rm(started.logFile, { force: true });
}
