import type { Throttle } from '../throttle.js';

/**
 * API Gateway's throttling algorithm: a bucket holds up to `burstLimit` tokens and refills at
 * `rateLimit` a second; each request takes one, and a request that finds the bucket empty is
 * refused (429) without reaching a function.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly throttle: Throttle,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(throttle.rateLimit > 0) || !(throttle.burstLimit >= 1))
      throw new Error(`A throttle needs rateLimit > 0 and burstLimit >= 1, got ${JSON.stringify(throttle)}`);
    this.tokens = throttle.burstLimit;
    this.last = this.now();
  }

  /** Takes a token: 0 if there was one, else the seconds until there will be one. */
  take(): number {
    const now = this.now();
    this.tokens = Math.min(
      this.throttle.burstLimit,
      this.tokens + ((now - this.last) / 1000) * this.throttle.rateLimit,
    );
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return (1 - this.tokens) / this.throttle.rateLimit;
  }
}
