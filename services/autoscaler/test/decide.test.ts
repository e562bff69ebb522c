import { describe, expect, it } from '@jest/globals';
import { decide, wantedReplicas, type Recommendation, type ScalePolicy } from '@mic/autoscaler';

const policy: ScalePolicy = {
  minReplicas: 1,
  maxReplicas: 8,
  concurrency: 1,
  jobsPerReplica: 4,
  scaleDownWindowMs: 60_000,
};
const load = (clinicalWaiting = 0, researchWaiting = 0, active = 0, delayed = 0) => ({
  clinicalWaiting,
  researchWaiting,
  active,
  delayed,
});

describe('wantedReplicas', () => {
  it('keeps the floor when the queue is empty, and scales to zero only when the floor is zero', () => {
    expect(wantedReplicas(load(), policy).wanted).toBe(1);
    expect(wantedReplicas(load(), { ...policy, minReplicas: 0 }).wanted).toBe(0);
    expect(wantedReplicas(load(0, 1), { ...policy, minReplicas: 0 }).wanted).toBe(1);
  });

  it('lets the research backlog queue up to jobsPerReplica per worker', () => {
    expect(wantedReplicas(load(0, 3, 1), policy).wanted).toBe(1);
    expect(wantedReplicas(load(0, 4, 1), policy).wanted).toBe(2);
    expect(wantedReplicas(load(0, 10, 2, 2), policy).wanted).toBe(4);
  });

  it('gives every waiting clinical job a worker of its own beside the running ones', () => {
    const d = wantedReplicas(load(2, 0, 3), policy);
    expect(d.wanted).toBe(5);
    expect(d.reason).toMatch(/2 clinical job\(s\) waiting, 3 running/);
    // Two jobs per replica: five slots need three replicas.
    expect(wantedReplicas(load(2, 0, 3), { ...policy, concurrency: 2 }).wanted).toBe(3);
  });

  it('never asks for fewer replicas than are busy', () => {
    expect(wantedReplicas(load(0, 0, 6), policy).wanted).toBe(6);
  });

  it('caps at maxReplicas and says so', () => {
    const d = wantedReplicas(load(20, 100, 8), policy);
    expect(d.wanted).toBe(8);
    expect(d.reason).toMatch(/capped at maxReplicas 8/);
  });
});

describe('decide', () => {
  it('scales up at once and down only after the window', () => {
    const history: Recommendation[] = [];
    expect(decide(load(3, 0, 1), policy, history, 0).replicas).toBe(4);
    const lull = decide(load(), policy, history, 30_000);
    expect(lull.wanted).toBe(1);
    expect(lull.replicas).toBe(4);
    expect(lull.reason).toMatch(/holding 4 within the scale-down window/);
    expect(decide(load(0, 0, 2), policy, history, 50_000).replicas).toBe(4);
    // The burst at t=0 is out of the window now; the largest wish since is 2.
    expect(decide(load(), policy, history, 61_000).replicas).toBe(2);
    expect(decide(load(), policy, history, 111_000).replicas).toBe(1);
    expect(history.length).toBe(2);
  });

  it('with no window follows the load', () => {
    const history: Recommendation[] = [];
    const now = { ...policy, scaleDownWindowMs: 0 };
    expect(decide(load(0, 0, 3), now, history, 0).replicas).toBe(3);
    expect(decide(load(), now, history, 1).replicas).toBe(1);
  });
});
