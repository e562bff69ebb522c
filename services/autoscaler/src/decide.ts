import type { LaneLoad } from '@mic/queue';

export interface ScalePolicy {
  minReplicas: number;
  maxReplicas: number;
  /** Jobs each worker replica analyses at once (worker.concurrency). */
  concurrency: number;
  /** Queued plus running jobs one replica may hold before another is wanted. */
  jobsPerReplica: number;
  scaleDownWindowMs: number;
}

export interface Decision {
  /** The count the load asks for now, before the scale-down window. */
  wanted: number;
  /** The count to set. */
  replicas: number;
  reason: string;
}

/** A past `wanted`, kept for the scale-down window. */
export interface Recommendation {
  at: number;
  wanted: number;
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

/**
 * The worker count for a queue load. Clinical jobs must not wait for capacity: every running job keeps its slot
 * and every waiting clinical job gets one. The research backlog may queue, up to `jobsPerReplica` per replica.
 * The count never drops below the replicas busy now, so scaling down only takes idle capacity away.
 */
export function wantedReplicas(load: LaneLoad, policy: ScalePolicy): { wanted: number; reason: string } {
  const backlog = load.clinicalWaiting + load.researchWaiting + load.active + load.delayed;
  const forClinical = Math.ceil((load.active + load.clinicalWaiting) / policy.concurrency);
  const forBacklog = Math.ceil(backlog / policy.jobsPerReplica);
  const raw = Math.max(forClinical, forBacklog);
  // With work queued at least one worker must run, whatever the floor (a floor of 0 scales to zero when idle).
  const floor = backlog > 0 ? Math.max(1, policy.minReplicas) : policy.minReplicas;
  const wanted = clamp(raw, floor, Math.max(floor, policy.maxReplicas));
  const reason =
    raw > policy.maxReplicas
      ? `capped at maxReplicas ${policy.maxReplicas} (load asks for ${raw})`
      : forClinical >= forBacklog && load.clinicalWaiting > 0
        ? `${load.clinicalWaiting} clinical job(s) waiting, ${load.active} running`
        : backlog > 0
          ? `${backlog} job(s) queued or running`
          : 'queue empty';
  return { wanted, reason };
}

/**
 * Applies the scale-down window to the load's wish: up at once, down only to the largest count wanted within
 * the window. `history` is pruned in place and gets this recommendation.
 */
export function decide(load: LaneLoad, policy: ScalePolicy, history: Recommendation[], now: number): Decision {
  const { wanted, reason } = wantedReplicas(load, policy);
  history.push({ at: now, wanted });
  while (history.length > 0 && history[0]!.at < now - policy.scaleDownWindowMs) history.shift();
  const replicas = Math.max(...history.map((r) => r.wanted));
  return {
    wanted,
    replicas,
    reason: replicas > wanted ? `${reason}; holding ${replicas} within the scale-down window` : reason,
  };
}
