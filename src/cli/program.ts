/**
 * A commander program with what every CLI of this repository shares: `--env-file`, `--version`, `--help`, output
 * through the CliIo, usage errors as exit 2, and one place that turns any failure into a message and an exit code.
 * The ops CLI (src/cli/index.ts) and the sandbox's CLI (sandbox/cli.ts) are both built with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import {
  ExamAlreadyArrangedError,
  ExamClosedError,
  ExamNotFoundError,
  ExamResultRefusedError,
  InvalidArrangementError,
  InvalidResultError,
} from '../client';
import { ConfigError } from '../config';
import { createContext, type CliIo, type Context } from './context';
import { CliError, EXIT, messageOf } from './errors';

/** Wraps a command's implementation as its commander action: the implementation returns the exit code. */
export type Action = <A extends unknown[]>(
  fn: (ctx: Context, ...args: A) => Promise<number>,
) => (...args: A) => Promise<void>;

/** Adds one command (with its options, help and action) to the program. */
export type CommandModule = (program: Command, action: Action) => void;

export interface ProgramSpec {
  name: string;
  description: string;
  /** Shown after the command list in `--help`: where settings come from, the exit codes. */
  help: string;
  commands: readonly CommandModule[];
  /** Checks of the raw arguments before commander sees them (commander's errors echo what they reject). */
  checkArgv?: (argv: string[]) => void;
}

/** Parses `argv` and runs the command; returns the exit code instead of exiting, so tests run it in-process. */
export async function runProgram(spec: ProgramSpec, argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command(spec.name)
    .description(spec.description)
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--env-file <path>', 'load settings from this dotenv file, underneath the environment')
    .helpOption('-h, --help', 'show help')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (str, write) => write(str) })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', spec.help);
  const ctx = createContext(io, () => program.opts<{ envFile?: string }>().envFile);
  const action: Action =
    (fn) =>
    async (...args) => {
      exitCode = await fn(ctx, ...args);
    };
  for (const addCommand of spec.commands) addCommand(program, action);
  try {
    spec.checkArgv?.(argv);
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    return reportError(err, io);
  }
}

/** Prints what went wrong (commander has already printed its own errors and help) and returns the exit code. */
function reportError(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  const [code, message] = classify(err);
  io.stderr(`${message}\n`);
  return code;
}

function classify(err: unknown): [number, string] {
  if (err instanceof ConfigError) return [EXIT.usage, err.message];
  if (err instanceof CliError) return [err.exitCode, `error: ${err.message}`];
  if (err instanceof InvalidArrangementError || err instanceof InvalidResultError) {
    return [EXIT.invalidArrangement, `error: ${err.message}`];
  }
  if (err instanceof ExamNotFoundError) return [EXIT.notFound, `error: ${err.message}`];
  if (err instanceof ExamClosedError) return [EXIT.examEnded, `error: ${err.message}`];
  if (err instanceof ExamAlreadyArrangedError) return [EXIT.alreadyArranged, `error: ${err.message}`];
  if (err instanceof ExamResultRefusedError) return [EXIT.resultRefused, `error: ${err.message}`];
  return [EXIT.failure, `error: ${messageOf(err)}`];
}

/** The package's version, read at run time (src/cli and dist/cli are both two levels below package.json). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Exits once stdout and stderr have flushed (pipes are asynchronous on some platforms: no truncated output). */
export function exitAfterFlush(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** The tail of a CLI entry module: runs `main` and exits with its code once the output has flushed. */
export function runCliMain(main: () => Promise<number>): void {
  void main().then(exitAfterFlush, (err: unknown) => {
    process.stderr.write(`error: ${messageOf(err)}\n`);
    exitAfterFlush(EXIT.failure);
  });
}
