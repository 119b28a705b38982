/** Parsers of command-line arguments: commander shows their InvalidArgumentError with the option's name (exit 2). */
import { InvalidArgumentError } from 'commander';
import { isHttpUrl } from '../config';
import { examIdSchema } from '../common/schemas';

export function parseExamId(value: string): string {
  const parsed = examIdSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues.map((issue) => issue.message).join('; '));
  return parsed.data;
}

export function parseInteger(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError('must be an integer');
  return Number(value);
}

export function parsePositiveInt(value: string): number {
  const n = parseInteger(value);
  if (n < 1) throw new InvalidArgumentError('must be at least 1');
  return n;
}

export function parseHttpUrl(value: string): string {
  if (!isHttpUrl(value)) throw new InvalidArgumentError('must be an absolute http(s) URL');
  return value;
}
