import { describe, expect, it } from '@jest/globals';
import { inLanes } from '@mic/telemetry';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('inLanes', () => {
  it('keeps the items order and at most `lanes` running at once', async () => {
    let running = 0;
    let most = 0;
    const out = await inLanes([30, 5, 20, 1, 10, 2, 8], 3, async (ms, i) => {
      most = Math.max(most, ++running);
      await tick(ms);
      running--;
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10', '5:2', '6:8']);
    expect(most).toBe(3);
    expect(await inLanes([], 4, async () => 1)).toEqual([]);
  });

  it('throws the first failure and takes no new item after it', async () => {
    const started: number[] = [];
    await expect(
      inLanes([1, 2, 3, 4, 5, 6], 2, async (n) => {
        started.push(n);
        await tick(5);
        if (n === 2) throw new Error('two failed');
        return n;
      }),
    ).rejects.toThrow('two failed');
    await tick(30);
    expect(started).toEqual([1, 2, 3]);
  });
});
