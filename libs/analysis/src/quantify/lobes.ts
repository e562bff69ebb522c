import type { Volume } from '@mic/imaging';
import { LESION_CONSOLIDATION, LESION_GGO } from '../lesions/types.js';
import { zoneScore } from './quantify.js';

export const LOBE_NAMES = ['right-upper', 'right-middle', 'right-lower', 'left-upper', 'left-lower'] as const;
export type LobeName = (typeof LOBE_NAMES)[number];

/** Label values of the five lobes in known label maps (TotalSegmentator "total" task, v2 and v1). */
export const LOBE_LABELS: Record<string, Record<LobeName, number>> = {
  'totalseg-v2': { 'left-upper': 10, 'left-lower': 11, 'right-upper': 12, 'right-middle': 13, 'right-lower': 14 },
  'totalseg-v1': { 'left-upper': 13, 'left-lower': 14, 'right-upper': 15, 'right-middle': 16, 'right-lower': 17 },
  /** 1..5 in anatomical order (right upper, middle, lower, left upper, lower). */
  plain: { 'right-upper': 1, 'right-middle': 2, 'right-lower': 3, 'left-upper': 4, 'left-lower': 5 },
};

export interface LobeStats {
  name: LobeName;
  volumeMl: number;
  ggoMl: number;
  consolidationMl: number;
  involvementPercent: number;
  /** 0-5, the same bins as the zones. */
  score: number;
}

export interface LobarSeverity {
  scheme: string;
  labels: string;
  lobes: LobeStats[];
  total: number;
  max: 25;
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * The 25-point CT severity score (Francone et al. 2020): each lobe 0-5 by its involved share. `lobes` is a label
 * map on the grid of `lesions` (reslice it first); a lobe absent from the map scores 0 with volume 0.
 */
export function lobarSeverity(
  lobes: Volume<Uint8Array | Uint16Array | Int16Array | Int32Array>,
  lesions: Volume<Uint8Array>,
  labels: keyof typeof LOBE_LABELS | Record<LobeName, number>,
): LobarSeverity {
  if (lobes.data.length !== lesions.data.length) throw new RangeError('lobe map and lesion map differ in size');
  const ids = typeof labels === 'string' ? LOBE_LABELS[labels] : labels;
  if (!ids) throw new RangeError(`unknown lobe labels ${String(labels)}`);
  const slot = new Map<number, number>(LOBE_NAMES.map((n, i) => [ids[n], i]));
  const n = new Float64Array(5);
  const ggo = new Float64Array(5);
  const cons = new Float64Array(5);
  const l = lobes.data;
  const les = lesions.data;
  for (let p = 0; p < l.length; p++) {
    if (!l[p]) continue;
    const s = slot.get(l[p]);
    if (s === undefined) continue;
    n[s]++;
    if (les[p] === LESION_GGO) ggo[s]++;
    else if (les[p] === LESION_CONSOLIDATION) cons[s]++;
  }
  const ml = (lesions.spacing[0] * lesions.spacing[1] * lesions.spacing[2]) / 1000;
  const stats = LOBE_NAMES.map((name, s) => {
    const pct = n[s] ? (100 * (ggo[s] + cons[s])) / n[s] : 0;
    return {
      name,
      volumeMl: round(n[s] * ml),
      ggoMl: round(ggo[s] * ml),
      consolidationMl: round(cons[s] * ml),
      involvementPercent: round(pct),
      score: zoneScore(pct),
    };
  });
  return {
    scheme: '25-point lobar CT severity score (5 lobes x 0-5; Francone et al. 2020)',
    labels: typeof labels === 'string' ? labels : 'custom',
    lobes: stats,
    total: stats.reduce((s, x) => s + x.score, 0),
    max: 25,
  };
}
