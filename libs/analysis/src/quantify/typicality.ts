import { distanceToBackground, labelComponents, type Vec3, type Volume } from '@mic/imaging';
import { LESION_GGO } from '../lesions/types.js';
import type { Quantification } from './quantify.js';
import { NEGLIGIBLE_PERCENT } from './severity.js';

export type TypicalityCategory = 'typical' | 'indeterminate' | 'atypical' | 'negative';

export interface TypicalityFeatures {
  involvementPercent: number;
  rightInvolvementPercent: number;
  leftInvolvementPercent: number;
  bilateral: boolean;
  /** Share of lesion volume in the outer third of the lung (by in-plane depth from the lung surface). */
  peripheralFraction: number;
  /** GGO / (GGO + consolidation). */
  ggoFraction: number;
  /** Lesion components of at least MIN_FOCUS_ML. */
  lesionComponents: number;
  /** Share of the lesion volume in the largest component. */
  largestComponentFraction: number;
}

export interface Typicality {
  category: TypicalityCategory;
  features: TypicalityFeatures;
  /** Which features led to the category, in words. */
  reasons: string[];
  /** What this feature-based reading cannot see. */
  notAssessed: string[];
}

/** Smallest lesion focus counted, mL. */
export const MIN_FOCUS_ML = 0.1;
/** A lung is involved when at least this share of it is lesion. */
export const SIDE_PERCENT = 0.5;

/**
 * Lesion distribution features on a grid thinned in-plane by `step` (distance and component counts do not need
 * the full resolution).
 */
export function typicalityFeatures(
  lungs: Volume<Uint8Array>,
  lesions: Volume<Uint8Array>,
  q: Quantification,
  step = 2,
): TypicalityFeatures {
  const [nx, ny, nz] = lungs.dims;
  const mx = Math.ceil(nx / step);
  const my = Math.ceil(ny / step);
  const dims: Vec3 = [mx, my, nz];
  const spacing: Vec3 = [lungs.spacing[0] * step, lungs.spacing[1] * step, lungs.spacing[2]];
  const lung = new Uint8Array(mx * my * nz);
  const les = new Uint8Array(lung.length);
  const ggo = new Uint8Array(lung.length);
  for (let k = 0, t = 0; k < nz; k++)
    for (let j = 0; j < ny; j += step)
      for (let i = 0; i < nx; i += step, t++) {
        const p = i + nx * (j + ny * k);
        lung[t] = lungs.data[p] ? 1 : 0;
        les[t] = lung[t] && lesions.data[p] ? 1 : 0;
        ggo[t] = les[t] && lesions.data[p] === LESION_GGO ? 1 : 0;
      }
  const depth = distanceToBackground(lung, dims, spacing, [0, 1]);
  // outer third: depth below a third of the deepest point of the lung in that slice
  const nxy = mx * my;
  let periph = 0;
  let lesCount = 0;
  for (let k = 0; k < nz; k++) {
    let max = 0;
    for (let p = k * nxy; p < (k + 1) * nxy; p++) if (depth[p] > max) max = depth[p];
    for (let p = k * nxy; p < (k + 1) * nxy; p++) {
      if (!les[p]) continue;
      lesCount++;
      if (depth[p] <= max / 3) periph++;
    }
  }
  const c = labelComponents(les, dims, 26);
  const voxelMl = (spacing[0] * spacing[1] * spacing[2]) / 1000;
  let comps = 0;
  let largest = 0;
  for (let id = 1; id <= c.count; id++) {
    if (c.sizes[id] * voxelMl >= MIN_FOCUS_ML) comps++;
    largest = Math.max(largest, c.sizes[id]);
  }
  const lesionMl = q.total.ggoMl + q.total.consolidationMl;
  return {
    involvementPercent: q.total.involvementPercent,
    rightInvolvementPercent: q.right.involvementPercent,
    leftInvolvementPercent: q.left.involvementPercent,
    bilateral: q.right.involvementPercent >= SIDE_PERCENT && q.left.involvementPercent >= SIDE_PERCENT,
    peripheralFraction: lesCount ? periph / lesCount : 0,
    ggoFraction: lesionMl > 0 ? q.total.ggoMl / lesionMl : 0,
    lesionComponents: comps,
    largestComponentFraction: lesCount ? largest / lesCount : 0,
  };
}

const pct = (x: number) => `${x.toFixed(1)} %`;

/**
 * RSNA consensus category (Simpson et al. 2020) from explained features:
 * negative: no (or negligible) opacity; typical: bilateral, peripheral, GGO-predominant (multifocal or diffuse);
 * atypical: consolidation without GGO that is unilateral or a single focus (lobar/segmental pattern);
 * indeterminate: opacity without the typical pattern (unilateral, central/perihilar, or mixed).
 */
export function classifyTypicality(f: TypicalityFeatures): Typicality {
  const reasons: string[] = [];
  const notAssessed = [
    'reverse halo and crazy paving',
    'cavitation, discrete small nodules, tree-in-bud',
    'pleural effusion and septal thickening',
  ];
  let category: TypicalityCategory;
  if (f.involvementPercent < NEGLIGIBLE_PERCENT) {
    category = 'negative';
    reasons.push(`involvement ${pct(f.involvementPercent)} < ${NEGLIGIBLE_PERCENT} %: no features of pneumonia`);
  } else if (f.ggoFraction < 0.3 && (!f.bilateral || f.largestComponentFraction >= 0.8)) {
    category = 'atypical';
    reasons.push(`consolidation predominant (GGO share ${pct(100 * f.ggoFraction)} < 30 %)`);
    reasons.push(
      f.bilateral
        ? `one dominant focus (${pct(100 * f.largestComponentFraction)} of the lesion volume): lobar/segmental pattern`
        : 'unilateral',
    );
  } else if (f.bilateral && f.peripheralFraction >= 0.5 && f.ggoFraction >= 0.5) {
    category = 'typical';
    reasons.push(
      `bilateral (right ${pct(f.rightInvolvementPercent)}, left ${pct(f.leftInvolvementPercent)})`,
      `peripheral (${pct(100 * f.peripheralFraction)} of lesion volume in the outer third)`,
      `GGO predominant (${pct(100 * f.ggoFraction)})`,
    );
    if (f.lesionComponents >= 3) reasons.push(`multifocal (${f.lesionComponents} foci)`);
  } else {
    category = 'indeterminate';
    if (!f.bilateral) reasons.push('unilateral');
    if (f.peripheralFraction < 0.5)
      reasons.push(`not peripheral (${pct(100 * f.peripheralFraction)} in the outer third)`);
    if (f.ggoFraction < 0.5) reasons.push(`mixed GGO/consolidation (GGO share ${pct(100 * f.ggoFraction)})`);
  }
  return { category, features: f, reasons, notAssessed };
}
