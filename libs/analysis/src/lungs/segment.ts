import {
  boxSmooth,
  deepInPlane,
  fillHoles2d,
  gridWithSpacing,
  labelComponents,
  resampleToGrid,
  withData,
  type Vec3,
  type Volume,
} from '@mic/imaging';
import { coverageWarnings } from './coverage.js';
import { findAirways } from './airways.js';
import { bodyMask, type Body } from './body.js';
import { addDenseOpacities } from './opacities.js';
import { LEFT, RIGHT, splitLeftRight } from './split.js';
import { upsampleLabels } from './upsample.js';

export const LUNG_SEGMENTATION_VERSION = 'threshold-hull-1.1';

export interface LungSegmentationOptions {
  /** Tissue/air boundary for the body mask, HU. */
  bodyThresholdHu?: number;
  /** Air threshold for aerated lung, HU. */
  airThresholdHu?: number;
  /** Partially aerated tissue below this HU touching the lung (inside its hull) is lung. */
  lowHu?: number;
  /** How far outside the lung's hull partially aerated tissue is searched, mm. */
  rimMm?: number;
  /** Airway lumen threshold, HU. */
  airwayThresholdHu?: number;
  /** Working in-plane spacing, mm (the volume is averaged down to about this; 0 = native). */
  workingSpacingMm?: number;
  /** Add dense opacities touching the pleura back into the lung (consolidation). */
  includeDenseOpacities?: boolean;
  /** A lung component smaller than this fraction of the largest one is dropped. */
  minComponentFraction?: number;
  /**
   * Diffusely diseased lung (crazy paving, dense GGO: a mean of -300 to -150 HU with few voxels under the air
   * threshold) counts as air for the search where its in-plane local mean is under this HU (null: off).
   */
  denseHu?: number | null;
  /** Radius of that local mean, mm. */
  denseRadiusMm?: number;
}

export interface LungSegmentation {
  /** 0 background, 1 right lung (patient's right), 2 left lung. */
  labels: Volume<Uint8Array>;
  warnings: string[];
  version: string;
}

export const LUNG_DEFAULTS: Required<LungSegmentationOptions> = {
  bodyThresholdHu: -500,
  airThresholdHu: -400,
  lowHu: -200,
  rimMm: 6,
  airwayThresholdHu: -900,
  workingSpacingMm: 1.25,
  includeDenseOpacities: true,
  minComponentFraction: 0.02,
  denseHu: -150,
  denseRadiusMm: 3,
};

/**
 * Classical lung field segmentation (threshold, body, airway removal, left/right split, dense-opacity
 * recovery, small-region removal) on an axial HU volume. Works for a single slice (nz = 1).
 */
export function segmentLungs(
  volume: Volume<Int16Array | Float32Array>,
  options: LungSegmentationOptions = {},
): LungSegmentation {
  const o = { ...LUNG_DEFAULTS, ...options };
  const warnings: string[] = [];
  const d = volume.direction;
  if (Math.abs(d[8]) < 0.9) warnings.push('volume is not axial: lung segmentation assumes axial slices');
  const iToLeft = d[0] >= 0 ? 1 : -1;
  const kUp = d[8] >= 0;

  // work on an in-plane averaged grid (the noise drops, the cost drops four-fold at 0.7 mm)
  const f = o.workingSpacingMm > 0 ? Math.max(1, Math.floor(o.workingSpacingMm / volume.spacing[0] + 0.25)) : 1;
  const clamped = clampHu(volume);
  const grid = gridWithSpacing(volume, [volume.spacing[0] * f, volume.spacing[1] * f, volume.spacing[2]]);
  const work =
    f === 1
      ? withData(clamped, Float32Array.from(clamped.data))
      : resampleToGrid(clamped, grid, 'linear', Float32Array);
  const hu = work.data as Float32Array;
  const dims = work.dims;
  const spacing = work.spacing;
  const n = hu.length;

  const body = bodyMask(hu, dims, spacing, o.bodyThresholdHu);
  const air = new Uint8Array(n);
  for (let p = 0; p < n; p++) air[p] = body.mask[p] && hu[p] < o.airThresholdHu ? 1 : 0;
  const search = { hu, dims, spacing, body, o, iToLeft, kUp };
  let labels = lungField(Uint8Array.from(air), search);
  if (o.denseHu !== null) labels = withDenseLung(labels, air, search, o.denseHu);
  const full = f === 1 ? labels : upsampleLabels(labels, grid, volume, 2);
  checkResult(full, warnings);
  const out = withData(volume, full);
  warnings.push(...coverageWarnings(out));
  return { labels: out, warnings, version: LUNG_SEGMENTATION_VERSION };
}

interface Search {
  hu: Float32Array;
  dims: Vec3;
  spacing: Vec3;
  body: Body;
  o: Required<LungSegmentationOptions>;
  iToLeft: number;
  kUp: boolean;
}

/** Lung labels from an air mask (changed): lung-like air, airways out, sides, holes, dense opacities, small parts. */
function lungField(air: Uint8Array, s: Search): Uint8Array {
  const { hu, dims, spacing, body, o, iToLeft, kUp } = s;
  const n = hu.length;
  air = keepLungLike(air, hu, dims, spacing, body, { minFraction: o.minComponentFraction, kUp });
  const order = Array.from({ length: dims[2] }, (_, t) => (kUp ? dims[2] - 1 - t : t));
  const airway = findAirways(hu, air, dims, spacing, body, { lumenHu: o.airwayThresholdHu, order });
  for (let p = 0; p < n; p++) if (airway[p]) air[p] = 0;
  air = keepLungLike(air, hu, dims, spacing, body, { minFraction: o.minComponentFraction, kUp });

  const labels = splitLeftRight(air, dims, body, iToLeft);
  const allowed = new Uint8Array(n);
  for (let p = 0; p < n; p++) allowed[p] = body.mask[p] && !airway[p] && !labels[p] ? 1 : 0;
  for (const label of [RIGHT, LEFT]) {
    fillLabelHoles(labels, label, dims);
    if (o.includeDenseOpacities)
      addDenseOpacities(hu, labels, label, allowed, dims, spacing, {
        iToLeft,
        minAreaMm2: 30,
        lowHu: o.lowHu,
        rimMm: o.rimMm,
      });
    fillLabelHoles(labels, label, dims);
    dropSmall(labels, label, dims, 0.05);
  }
  return labels;
}

/**
 * A diffusely diseased lung has too few voxels under the air threshold to be found (a whole lung can be lost, and
 * with it its lesions). Where the body holds much low-mean tissue outside the field (more than half the field: a
 * mildly involved chest such as RICORD's holds a quarter, in rims and small opacities), the search runs again with
 * that tissue counted as air, and a side takes the new field where it is more than a quarter larger and what it adds
 * looks like diseased lung: on aerated lungs the local mean only adds a rim at the hilum and the mediastinum.
 */
function withDenseLung(labels: Uint8Array, air: Uint8Array, s: Search, denseHu: number): Uint8Array {
  const { hu, dims, spacing, body } = s;
  const r = (axis: number) => Math.max(1, Math.round(s.o.denseRadiusMm / spacing[axis]));
  const box: Vec3 = [r(0), r(1), 0];
  const mean = boxSmooth(hu, dims, box);
  // The cheap bound first (the low mean alone): most chests stop here.
  let bound = 0;
  let field = 0;
  for (let p = 0; p < hu.length; p++) {
    if (labels[p]) field++;
    else if (body.mask[p] && mean[p] < denseHu) bound++;
  }
  if (bound <= 0.5 * field) return labels;
  const dense = denseTissue(labels, s, denseHu, mean, box);
  let extra = 0;
  for (let p = 0; p < hu.length; p++) if (!labels[p] && dense[p]) extra++;
  if (extra <= 0.5 * field) return labels;
  // Gas the first search left out (bowel, stomach, the trachea) stays out: joined to the lung through the new
  // tissue it would pass as lung.
  for (let p = 0; p < hu.length; p++) air[p] = (air[p] && (hu[p] >= GAS_HU || labels[p])) || dense[p] ? 1 : 0;
  const grown = lungField(air, s);
  const useGrown = [false, ...[RIGHT, LEFT].map((side) => looksDiseased(labels, grown, hu, side))];
  if (!useGrown.includes(true)) return labels;
  const out = labels.map((v) => (useGrown[v] ? 0 : v));
  for (let p = 0; p < out.length; p++) if (grown[p] && useGrown[grown[p]] && !out[p]) out[p] = grown[p];
  return out;
}

/** Tissue in the body with a low, textured in-plane local mean, no gas nearby, at the levels of the lung found. */
function denseTissue(labels: Uint8Array, s: Search, denseHu: number, mean: Float32Array, box: Vec3): Uint8Array {
  const { hu, dims, spacing, body } = s;
  // Gas (< -950 HU) nearby: a low mean there comes from the rim of gas (bowel with its bubbles, the trachea's
  // wall), not from diseased lung, which holds almost none outside its air bronchograms.
  const gas = boxSmooth(
    hu.map((v) => (v < GAS_HU ? 1 : 0)),
    dims,
    box,
  );
  // Lung is textured (vessels, septa, air pockets), fat homogeneous: in some scans fat's mean nears -150 HU.
  const square = boxSmooth(
    hu.map((v) => v * v),
    dims,
    box,
  );
  // Diseased lung lies at the levels of the lung already found (the other lung, aerated parts): bowel content
  // below the bases can look the same.
  const nxy = dims[0] * dims[1];
  const levels = new Uint8Array(dims[2]);
  for (let p = 0; p < hu.length; p++) if (labels[p]) levels[(p / nxy) | 0] = 1;
  const margin = Math.round(LEVEL_MARGIN_MM / spacing[2]);
  const anyLevel = levels.includes(1);
  const near = levels.map((_, k) =>
    !anyLevel || levels.subarray(Math.max(0, k - margin), k + margin + 1).includes(1) ? 1 : 0,
  );
  const dense = new Uint8Array(hu.length);
  for (let p = 0; p < hu.length; p++) {
    const textured = square[p] - mean[p] * mean[p] > MIN_SD_HU * MIN_SD_HU;
    dense[p] = near[(p / nxy) | 0] && body.mask[p] && mean[p] < denseHu && gas[p] < MAX_GAS_SHARE && textured ? 1 : 0;
  }
  return dense;
}

/**
 * Whether a side's new field replaces the first: more than a quarter larger, and what it adds mostly partly aerated
 * parenchyma with next to no gas (bowel and stomach hold both gas and mottled content).
 */
function looksDiseased(labels: Uint8Array, grown: Uint8Array, hu: Float32Array, side: number): boolean {
  let base = 0;
  let all = 0;
  let added = 0;
  let gasAdded = 0;
  let aerated = 0;
  for (let p = 0; p < hu.length; p++) {
    if (labels[p] === side) base++;
    if (grown[p] !== side) continue;
    all++;
    if (labels[p]) continue;
    added++;
    if (hu[p] < GAS_HU) gasAdded++;
    else if (hu[p] >= AERATED_HU[0] && hu[p] < AERATED_HU[1]) aerated++;
  }
  return base < 0.8 * all && gasAdded < MAX_GAS_ADDED * added && aerated >= MIN_AERATED_ADDED * added;
}

/** Pure gas, HU; and its largest share of the local box for a voxel to count as diseased lung by its mean. */
const GAS_HU = -950;
const MAX_GAS_SHARE = 0.05;
/** Least local standard deviation (HU) of diseased lung counted by its mean. */
const MIN_SD_HU = 60;
/** What a side's new field adds: at most this share of gas, at least this share of partly aerated lung (HU). */
const AERATED_HU = [-900, -300] as const;
const MAX_GAS_ADDED = 0.1;
const MIN_AERATED_ADDED = 0.25;
/** How far above or below the lung already found diseased lung is searched, mm. */
const LEVEL_MARGIN_MM = 20;

/** A lung is at least this thick (in-plane depth from its edge) somewhere. */
const MIN_THICKNESS_MM = 6;
/** Mean in-plane distance of lung voxels from the body surface is at least this (chest wall and more). */
const MIN_BODY_DEPTH_MM = 12;

/** HU limited to -1024..3071 (out-of-field padding such as -2000 or -3024 becomes air), kept as Int16 when it was. */
function clampHu(v: Volume<Int16Array | Float32Array>): Volume<Int16Array | Float32Array> {
  const src = v.data;
  const out = src instanceof Int16Array ? new Int16Array(src.length) : new Float32Array(src.length);
  for (let p = 0; p < out.length; p++) {
    const x = src[p];
    out[p] = x < -1024 ? -1024 : x > 3071 ? 3071 : x;
  }
  return withData(v, out);
}

/**
 * Air components that can be lung: thick somewhere (not a thin pocket), deep inside the body on average
 * (not air between skin and table or blanket), not pure gas (bowel, stomach, isolated airway), not tiny next to
 * the largest such component and reaching above the middle of the highest large one (bowel gas lies below the lung
 * bases).
 */
function keepLungLike(
  air: Uint8Array,
  hu: Float32Array,
  dims: Vec3,
  spacing: Vec3,
  body: Body,
  o: KeepOptions,
): Uint8Array {
  const c = labelComponents(air, dims, 6);
  const gas = new Float64Array(c.count + 1);
  const thick = new Uint8Array(c.count + 1);
  const inside = new Float64Array(c.count + 1);
  const deep = deepInPlane(air, dims, spacing, MIN_THICKNESS_MM ** 2);
  for (let p = 0; p < air.length; p++) {
    const id = c.labels[p];
    if (!id) continue;
    if (hu[p] < -950) gas[id]++;
    thick[id] |= deep[p];
    inside[id] += body.depth[p];
  }
  const ok = new Uint8Array(c.count + 1);
  let big = 0;
  for (let id = 1; id <= c.count; id++) {
    const s = c.sizes[id];
    ok[id] = s >= 20 && gas[id] / s < 0.6 && thick[id] && inside[id] / s >= MIN_BODY_DEPTH_MM ? 1 : 0;
    if (ok[id] && (!big || s > c.sizes[big])) big = id;
  }
  const out = new Uint8Array(air.length);
  if (!big) return out;
  // the lungs are the highest large air in the body: gas under them (bowel, stomach, air against the table in an
  // abdominal scan that holds only the lung bases) can be larger than what the scan holds of the lungs
  const top = (id: number) => (o.kUp ? c.bboxes[id][5] : -c.bboxes[id][2]);
  let ref = big;
  for (let id = 1; id <= c.count; id++)
    if (ok[id] && c.sizes[id] >= 0.25 * c.sizes[big] && top(id) > top(ref)) ref = id;
  const mid = (c.bboxes[ref][2] + c.bboxes[ref][5]) / 2;
  for (let id = 1; id <= c.count; id++) {
    const high = o.kUp ? c.bboxes[id][5] >= mid : c.bboxes[id][2] <= mid;
    if (!(ok[id] && high && c.sizes[id] >= o.minFraction * c.sizes[big])) ok[id] = 0;
  }
  for (let p = 0; p < air.length; p++) out[p] = ok[c.labels[p]];
  return out;
}

interface KeepOptions {
  minFraction: number;
  kUp: boolean;
}

function fillLabelHoles(labels: Uint8Array, label: number, dims: Vec3): void {
  const m = new Uint8Array(labels.length);
  for (let p = 0; p < m.length; p++) m[p] = labels[p] === label ? 1 : 0;
  const filled = fillHoles2d(m, dims);
  for (let p = 0; p < m.length; p++) if (filled[p] && !labels[p]) labels[p] = label;
}

/** The seed's post-processing: drop components of a lung smaller than `fraction` of its largest one. */
function dropSmall(labels: Uint8Array, label: number, dims: Vec3, fraction: number): void {
  const m = new Uint8Array(labels.length);
  for (let p = 0; p < m.length; p++) m[p] = labels[p] === label ? 1 : 0;
  const c = labelComponents(m, dims, 6);
  let largest = 0;
  for (let id = 1; id <= c.count; id++) largest = Math.max(largest, c.sizes[id]);
  for (let p = 0; p < m.length; p++) if (m[p] && c.sizes[c.labels[p]] < fraction * largest) labels[p] = 0;
}

function checkResult(labels: Uint8Array, warnings: string[]): void {
  let r = 0;
  let l = 0;
  for (let p = 0; p < labels.length; p++) {
    if (labels[p] === RIGHT) r++;
    else if (labels[p] === LEFT) l++;
  }
  if (r + l === 0) {
    warnings.push('no lung found');
    return;
  }
  if (r === 0 || l === 0) warnings.push(`only the ${r ? 'right' : 'left'} lung found`);
  else if (Math.min(r, l) / Math.max(r, l) < 0.25)
    warnings.push('lungs differ more than four-fold in size: check the split');
}
