import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Constant-time string comparison for tokens and bearer secrets (the webhook's Verification Token, the exam system's
 * bearer, the codec server's token): both sides are hashed first, so neither the content nor the length leaks.
 */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

function sha256(data: string): Buffer {
  return createHash('sha256').update(data, 'utf8').digest();
}
