import { ConfigError } from './common/config-error';

/**
 * The common tail of every entry (worker, ingest, codec server, sandbox): run `main`, exit 0 when it ends, 2 with the
 * message for a configuration error (which names the variables), 1 otherwise; and stop when a supervisor that
 * started this process over an IPC channel (the local stack) goes away — even killed outright — instead of lingering.
 */
export function runMain(name: string, main: () => Promise<void>): void {
  if (typeof process.send === 'function') process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      const config = err instanceof ConfigError;
      console.error(config ? err.message : `${name} failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(config ? 2 : 1);
    },
  );
}

/** Resolves on SIGINT or SIGTERM. */
export function untilStopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}
