/**
 * Requests per user, as a token bucket per name: `burst` at once, refilled at `perSecond`. Per process: with n
 * replicas behind a balancer a user gets up to n times the rate, which still stops a runaway script.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private sweptAt = 0;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one request from `who`'s bucket: 0 when allowed, else the seconds until one is (for Retry-After). */
  take(who: string): number {
    if (this.perSecond <= 0) return 0;
    const t = this.now();
    this.sweep(t);
    const b = this.buckets.get(who) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond);
    b.at = t;
    this.buckets.set(who, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / this.perSecond);
  }

  // Full buckets hold nothing worth keeping: drop them now and then so the map does not grow with every user seen.
  private sweep(t: number): void {
    if (t - this.sweptAt < 60_000) return;
    this.sweptAt = t;
    for (const [who, b] of this.buckets)
      if (b.tokens + ((t - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(who);
  }
}
