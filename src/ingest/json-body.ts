import { HttpProblem } from './http-errors';

/** Transport-free checks of a JSON request body, shared by the routes (routes/body.ts) and the webhook pipeline. */

/** True for `application/json`, any parameters and letter case. */
export function isJsonContentType(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** Parses raw body bytes as JSON (UTF-8); throws `malformed` naming what is wrong, never echoing the body. */
export function parseJsonBytes(raw: Buffer): unknown {
  if (raw.length === 0) throw new HttpProblem('malformed', 'the request body is empty');
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new HttpProblem('malformed', 'the request body is not valid JSON');
  }
}
