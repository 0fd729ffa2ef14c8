import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SecretHasher } from '../../domain/auth/api-keys.js';

/**
 * HMAC-SHA256 keyed with a secret of the service's (the "pepper"), not a bare hash: a copy of
 * the table alone cannot be used to check guesses. Secrets are 256 random bits, so no slow hash is
 * needed; the comparison is constant time over the whole digest.
 */
export class HmacHasher implements SecretHasher {
  private readonly pepper: Buffer;

  constructor(pepper: string) {
    this.pepper = Buffer.from(pepper, 'utf8');
    if (this.pepper.length < 32) throw new Error('The API key pepper must be at least 32 characters');
  }

  hash(secret: string): string {
    return createHmac('sha256', this.pepper).update(secret).digest('hex');
  }

  matches(secret: string, hash: string): boolean {
    const expected = Buffer.from(this.hash(secret), 'hex');
    const stored = Buffer.from(hash, 'hex');
    // Same length for every well-formed stored hash; a malformed one compares against itself and fails.
    if (stored.length !== expected.length) return !timingSafeEqual(expected, expected);
    return timingSafeEqual(expected, stored);
  }

  newSecret(): string {
    return randomBytes(32).toString('hex');
  }
}
