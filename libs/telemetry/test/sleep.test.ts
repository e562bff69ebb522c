import { describe, expect, it } from '@jest/globals';
import { wakeableSleep } from '@mic/telemetry';

describe('wakeableSleep', () => {
  it('ends a long sleep at once on wake, and sleeps its time otherwise', async () => {
    const { sleep, wake } = wakeableSleep();
    const t = Date.now();
    const long = sleep(60_000);
    wake();
    await long;
    expect(Date.now() - t).toBeLessThan(1000);
    const t2 = Date.now();
    await sleep(50);
    expect(Date.now() - t2).toBeGreaterThanOrEqual(45);
  });
});
