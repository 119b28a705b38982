import { safeEqual } from './safe-equal';

/**
 * THE parser of `Authorization: Bearer <token>` for the ingest and the codec server, exactly as RFC 7235 §2.1 and
 * RFC 6750 §2.1 allow it: the scheme is case-insensitive, one or more SP (U+0020, nothing else: no tab, no
 * non-breaking space) separate it from the credentials, which are a token68 (`A-Z a-z 0-9 - . _ ~ + /`, then `=`
 * padding). Optional whitespace (SP, HTAB) around the whole value is not part of it (RFC 9110 §5.5): Node's parser
 * strips it on a socket, and so does this parser for in-process requests.
 */
const BEARER = /^[Bb][Ee][Aa][Rr][Ee][Rr] +([A-Za-z0-9\-._~+/]+=*)$/;
/** The characters of an RFC 7235 token68: a secret outside them cannot be sent as a bearer token. */
export const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** The token of a well-formed bearer header, or undefined (absent, another scheme, a bad separator or character). */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return BEARER.exec(trimOws(header))?.[1];
}

/** True when `header` is a well-formed bearer header carrying `secret` (compared in constant time). */
export function bearerMatches(header: string | undefined, secret: string): boolean {
  const token = bearerToken(header);
  return token !== undefined && safeEqual(token, secret);
}

const isOws = (char: string | undefined) => char === ' ' || char === '\t';

/** Strips SP and HTAB around the value, in linear time (a regex `[ \t]+$` backtracks quadratically). */
function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value[start])) start++;
  while (end > start && isOws(value[end - 1])) end--;
  return value.slice(start, end);
}
