/**
 * Shared pieces of the benchmarks (npm run bench): one Temporal dev server for the whole run, the product's data
 * converter, a Feishu sandbox per section, and small statistics helpers. Sections live in bench/*.ts and return
 * numbers; bench/run.ts prints the table, writes bench/results/latest.json and the plots in docs/.
 */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { productDataConverter } from '../src/codec';
import { generateKeyEntry } from '../src/codec/encryption-codec';

export interface BenchContext {
  /** Temporal frontend of the run's dev server. */
  address: string;
  namespace: string;
  cliPath: string;
  /** The dev server's process (its CPU time is read by sections that profile a drain). */
  serverPid?: number;
  /** PAYLOAD_ENCRYPTION_KEYS of the run (the product always encrypts; so does the bench). */
  payloadKeys: string;
  quick: boolean;
  log(line: string): void;
}

export function newPayloadKeys(): string {
  return generateKeyEntry('bench');
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** A numeric-looking Feishu exam id, unique per call. */
export function examId(): string {
  return `7${Date.now().toString().slice(-9)}${randomBytes(4).readUInt32BE(0).toString().padStart(10, '0')}`.slice(
    0,
    19,
  );
}

export async function connectClient(ctx: BenchContext): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: ctx.address });
  const client = new Client({
    connection,
    namespace: ctx.namespace,
    dataConverter: productDataConverter(ctx.payloadKeys),
  });
  return { client, close: () => connection.close() };
}

export async function connectNative(ctx: BenchContext): Promise<NativeConnection> {
  return NativeConnection.connect({ address: ctx.address });
}

/** The p-th percentile (0–100) of `values` (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export { maxInWindow } from '../sandbox/request-log';

export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `fn` over `items`, `size` at a time (the sections start their backlogs 50 at a time). */
export async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

export type { TableRow as BenchRow } from './table-row';
