/**
 * What every bench entry (`npm run bench`, bench/run.ts, and the probes bench/memory-profile.ts and
 * bench/start-probe.ts) shares: reading `--name value` options, a dev server started the same way, and the exit once
 * `main` is done (the SDK's runtime keeps the event loop alive).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startDevServer, type DevServer, type DevServerOptions } from '../scripts/dev-server';
import { SEARCH_ATTRIBUTES_FOR_CLI } from '../src/common/search-attributes';

/** The value after `--name` in `argv`, if any. */
export function optionValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** A headless dev server with the product's search attributes; `storage`: where it keeps its database. */
export function startBenchServer(
  cliPath: string,
  log: (line: string) => void,
  storage: Pick<DevServerOptions, 'dbFilename' | 'sqlitePragmas'> = {},
): Promise<DevServer> {
  return startDevServer({ cliPath, headless: true, searchAttributes: SEARCH_ATTRIBUTES_FOR_CLI, log, ...storage });
}

/** Installs the SDK runtime (errors only), runs `main`, exits 0 when it resolves and 1 (printing why) when not. */
export function runBenchEntry(name: string, main: () => Promise<void>): void {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
