import { describe, expect, it } from '@jest/globals';
import { RateLimiter } from '@mic/api';

describe('rate limit per user', () => {
  it('allows a burst, then one request per refill, per user', () => {
    let t = 0;
    const limit = new RateLimiter(2, 3, () => t);
    expect([limit.take('a'), limit.take('a'), limit.take('a')]).toEqual([0, 0, 0]);
    expect(limit.take('a')).toBe(1); // empty: half a second to the next token, rounded up
    expect(limit.take('b')).toBe(0); // another user has a bucket of its own
    t = 500;
    expect(limit.take('a')).toBe(0);
    expect(limit.take('a')).toBe(1);
    t = 10_000;
    expect([limit.take('a'), limit.take('a'), limit.take('a'), limit.take('a')]).toEqual([0, 0, 0, 1]);
  });

  it('is off at a rate of 0', () => {
    const limit = new RateLimiter(0, 1);
    expect([limit.take('a'), limit.take('a'), limit.take('a')]).toEqual([0, 0, 0]);
  });
});
