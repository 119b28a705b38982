/**
 * What every command gets: the I/O and the environment. Settings come from the environment, over an optional dotenv
 * file (`--env-file`, default `.data/local.env`, which `npm start` writes); the real environment wins.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as nodeUtil from 'node:util';
import { CliError, EXIT } from './errors';

export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  /** Where the default `.data/local.env` is looked for and `--env-file` is resolved; default `process.cwd()`. */
  cwd?: string;
}

/** The I/O of the running process. */
export function processIo(): CliIo {
  return {
    stdin: process.stdin,
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
  };
}

export interface Context {
  io: CliIo;
  /** The environment over the dotenv file, loaded when a command asks (after the global options are parsed). */
  env(): NodeJS.ProcessEnv;
  out(line: string): void;
  err(line: string): void;
}

export function createContext(io: CliIo, envFile: () => string | undefined): Context {
  return {
    io,
    env: () => loadEnv(envFile(), io),
    out: (line) => io.stdout(`${line}\n`),
    err: (line) => io.stderr(`${line}\n`),
  };
}

/** The part of `--help` that says where settings come from. */
export const SETTINGS_HELP = `Settings come from the environment (see .env.example). --env-file loads a dotenv file underneath it (the real
environment wins); without it, .data/local.env in the current directory is loaded if it exists (npm start writes it).`;

/** The environment over the dotenv file: `--env-file`, else `.data/local.env` if it exists; the real env wins. */
function loadEnv(envFile: string | undefined, io: CliIo): NodeJS.ProcessEnv {
  const cwd = io.cwd ?? process.cwd();
  const fallback = join(cwd, '.data', 'local.env');
  const path = envFile !== undefined ? resolve(cwd, envFile) : existsSync(fallback) ? fallback : undefined;
  if (path === undefined) return io.env;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(EXIT.usage, `--env-file ${path}: cannot read it (${(err as NodeJS.ErrnoException).code})`);
  }
  const real = Object.entries(io.env).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return { ...parseEnvFile(text), ...Object.fromEntries(real) };
}

/** dotenv text → variables: node:util's parseEnv (Node ≥ 20.12), else the small parser below. */
export function parseEnvFile(text: string): Record<string, string> {
  const native = (nodeUtil as { parseEnv?: (content: string) => NodeJS.Dict<string> }).parseEnv;
  if (native === undefined) return parseEnvSimple(text);
  return Object.fromEntries(
    Object.entries(native(text)).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** `KEY=VALUE` lines; `#` comments, `export ` prefixes and single or double quotes are understood. */
export function parseEnvSimple(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match?.[1]) continue;
    vars[match[1]] = unquote(match[2] ?? '');
  }
  return vars;
}

function unquote(value: string): string {
  const quoted = /^(["'`])(.*)\1$/.exec(value);
  if (quoted) return quoted[1] === '"' ? (quoted[2] ?? '').replace(/\\n/g, '\n') : (quoted[2] ?? '');
  return value.replace(/\s+#.*$/, '');
}
