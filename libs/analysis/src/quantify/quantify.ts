import { boundingBox, type Volume } from '@mic/imaging';
import { LESION_CONSOLIDATION, LESION_GGO, type HuVolume } from '../lesions/types.js';

/** Share of lung above this HU: the "percentage of high opacity" of Chaganti et al. 2020. */
export const HIGH_OPACITY_HU = -200;

export interface RegionStats {
  volumeMl: number;
  ggoMl: number;
  consolidationMl: number;
  /** (GGO + consolidation) / lung volume, %. */
  involvementPercent: number;
  /** Percentage of opacity: lesion volume / lung volume, % (same as involvement for a voxel partition). */
  poPercent: number;
  /** Percentage of high opacity: lesion voxels above -200 HU / lung volume, %. */
  phoPercent: number;
  meanHu: number;
}

export interface ZoneStats extends RegionStats {
  /** e.g. right-upper; thirds of each lung's craniocaudal extent. */
  name: string;
  /** 0-5: 0 %, < 5 %, 5-25 %, 26-50 %, 51-75 %, > 75 %. */
  score: number;
}

export interface Quantification {
  right: RegionStats;
  left: RegionStats;
  total: RegionStats;
  zones: ZoneStats[];
}

interface Acc {
  n: number;
  ggo: number;
  cons: number;
  high: number;
  sumHu: number;
}

const acc = (): Acc => ({ n: 0, ggo: 0, cons: 0, high: 0, sumHu: 0 });

function stats(a: Acc, voxelMl: number): RegionStats {
  const pct = (x: number) => (a.n ? (100 * x) / a.n : 0);
  return {
    volumeMl: a.n * voxelMl,
    ggoMl: a.ggo * voxelMl,
    consolidationMl: a.cons * voxelMl,
    involvementPercent: pct(a.ggo + a.cons),
    poPercent: pct(a.ggo + a.cons),
    phoPercent: pct(a.high),
    meanHu: a.n ? a.sumHu / a.n : 0,
  };
}

function add(sums: Float64Array, a: number, ggo: number, cons: number, high: number, h: number): void {
  sums[a]++;
  sums[a + 1] += ggo;
  sums[a + 2] += cons;
  sums[a + 3] += high;
  sums[a + 4] += h;
}

/** Zone score of the 25-point CT severity score (Francone et al. 2020), applied per zone. */
export function zoneScore(percent: number): number {
  if (percent <= 0) return 0;
  if (percent < 5) return 1;
  if (percent <= 25) return 2;
  if (percent <= 50) return 3;
  if (percent <= 75) return 4;
  return 5;
}

/**
 * Lung, lesion and zone volumes. `lungs`: 1 right, 2 left; `lesions`: 1 GGO, 2 consolidation (on the same grid).
 * Zones are the upper, middle and lower thirds of each lung's slice range (k along the volume's slice axis).
 */
export function quantify(hu: HuVolume, lungs: Volume<Uint8Array>, lesions: Volume<Uint8Array>): Quantification {
  const [nx, ny, nz] = hu.dims;
  const nxy = nx * ny;
  const voxelMl = (hu.spacing[0] * hu.spacing[1] * hu.spacing[2]) / 1000;
  const kUp = hu.direction[8] >= 0;
  // only the lungs' box holds anything to count
  const b = boundingBox(lungs.data, lungs.dims) ?? [0, 0, 0, -1, -1, -1];
  const rows = (k: number, f: (from: number, to: number) => void) => {
    for (let j = b[1]; j <= b[4]; j++) f(k * nxy + j * nx + b[0], k * nxy + j * nx + b[3] + 1);
  };
  // slice range of each lung
  const k0 = [nz, nz, nz];
  const k1 = [-1, -1, -1];
  for (let k = b[2]; k <= b[5]; k++)
    rows(k, (from, to) => {
      for (let p = from; p < to; p++) {
        const l = lungs.data[p];
        if (!l) continue;
        if (k < k0[l]) k0[l] = k;
        if (k > k1[l]) k1[l] = k;
      }
    });
  // counts per region: 0-2 lung side (by label), 3-8 zones; columns n, ggo, cons, high, sumHu
  const sums = new Float64Array(9 * 5);
  for (let k = b[2]; k <= b[5]; k++) {
    const third = [0, 0, 0];
    for (const l of [1, 2]) {
      // third 0 = upper
      const rel = (k - k0[l] + 0.5) / (k1[l] - k0[l] + 1);
      third[l] = Math.min(2, Math.floor(3 * (kUp ? 1 - rel : rel)));
    }
    rows(k, (from, to) => {
      for (let p = from; p < to; p++) {
        const l = lungs.data[p];
        if (l !== 1 && l !== 2) continue;
        const h = hu.data[p];
        const les = lesions.data[p];
        const ggo = les === LESION_GGO ? 1 : 0;
        const cons = les === LESION_CONSOLIDATION ? 1 : 0;
        const high = les && h > HIGH_OPACITY_HU ? 1 : 0;
        add(sums, 5 * l, ggo, cons, high, h);
        add(sums, 5 * (3 + (l - 1) * 3 + third[l]), ggo, cons, high, h);
      }
    });
  }
  const region = (r: number): Acc => {
    const a = 5 * r;
    return { n: sums[a], ggo: sums[a + 1], cons: sums[a + 2], high: sums[a + 3], sumHu: sums[a + 4] };
  };
  const side = [acc(), region(1), region(2)];
  const zone = [3, 4, 5, 6, 7, 8].map(region);
  const total = acc();
  for (const a of [side[1], side[2]]) {
    total.n += a.n;
    total.ggo += a.ggo;
    total.cons += a.cons;
    total.high += a.high;
    total.sumHu += a.sumHu;
  }
  const names = ['right-upper', 'right-middle', 'right-lower', 'left-upper', 'left-middle', 'left-lower'];
  return {
    right: stats(side[1], voxelMl),
    left: stats(side[2], voxelMl),
    total: stats(total, voxelMl),
    zones: zone.map((a, t) => {
      const s = stats(a, voxelMl);
      return { name: names[t], ...s, score: zoneScore(s.involvementPercent) };
    }),
  };
}
