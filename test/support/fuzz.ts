/**
 * What the fuzz files (test/fuzz) share: fast-check parameters from the environment (FUZZ_SEED, FUZZ_PATH,
 * FUZZ_SCALE), the ingest's secrets, and small helpers for judging answers.
 */
import type fc from 'fast-check';
import { PROBLEM_STATUS } from '../../src/ingest/http-errors';

function optionalIntegerEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer (a fast-check seed), got ${raw}`);
  return value;
}

const SEED = optionalIntegerEnv('FUZZ_SEED');
const SCALE = Number(process.env.FUZZ_SCALE ?? '1');
if (!Number.isFinite(SCALE) || SCALE <= 0) throw new Error('FUZZ_SCALE must be a positive number');

/** fast-check parameters for `runs` runs (scaled), replaying FUZZ_SEED/FUZZ_PATH when given. */
export function params<T>(runs: number): fc.Parameters<T> {
  return {
    numRuns: Math.max(1, Math.round(runs * SCALE)),
    endOnFailure: true,
    ...(SEED !== undefined && { seed: SEED }),
    ...(SEED !== undefined && process.env.FUZZ_PATH && { path: process.env.FUZZ_PATH }),
  };
}

/** A property's time limit: generous, the runs themselves take a few seconds. */
export const PROPERTY_TIMEOUT_MS = 120_000 * Math.max(1, SCALE);

export const TOKEN = 'fuzz-verification-token-5f1c';
export const KEY = 'fuzz-encrypt-key-9d27';
export const BEARER = 'fuzz-exam-system-bearer-0123456789';
export const SECRETS = [TOKEN, KEY, BEARER];

/** The status table's kinds by name → status. */
export const KINDS: ReadonlyMap<string, number> = new Map(Object.entries(PROBLEM_STATUS));

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isJsonMediaType(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

/**
 * An echo check: `text` repeats `value` (longer than 8 characters) that is not part of the product's own words
 * (`vocabulary`: field names, rules and messages, which a generated value may happen to equal).
 */
export function echoCheck(vocabulary: string): (text: string, value: string) => boolean {
  return (text, value) => value.length > 8 && text.includes(value) && !vocabulary.includes(value);
}
