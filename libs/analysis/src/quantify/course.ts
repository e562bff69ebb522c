import { at, num, str } from './read.js';
import { SIDE_PERCENT } from './typicality.js';

/**
 * The course of a patient: how a follow-up CT differs from the one before it. Read from two reports, so it works on
 * reports of any age (missing numbers stay null) and never needs the images again.
 */

/** What a comparison reads from one report. */
export interface Reading {
  involvementPercent: number | null;
  rightPercent: number | null;
  leftPercent: number | null;
  lungMl: number | null;
  ggoMl: number | null;
  consolidationMl: number | null;
  severityTotal: number | null;
  ctBand: string | null;
  category: string | null;
  zones: { name: string; score: number }[];
  sliceMm: number | null;
  engine: string | null;
}

export interface Change {
  prior: number | null;
  current: number | null;
  /** current - prior; null when either is missing. */
  change: number | null;
}

export type Trend = 'progression' | 'regression' | 'stable' | 'mixed' | 'not comparable';

export interface Comparison {
  intervalDays: number | null;
  trend: Trend;
  /** Why, in words: what changed beyond the margin, which lung and zones, the lesions' density. */
  reasons: string[];
  /** What makes the two readings less alike than two scans of one protocol. */
  warnings: string[];
  involvementPercent: Change;
  rightPercent: Change;
  leftPercent: Change;
  ggoMl: Change;
  consolidationMl: Change;
  /** Consolidation as a share of all lesion volume, %: rises while lesions organise, falls as they clear. */
  consolidationShare: Change;
  severityTotal: Change;
  ctBand: { prior: string | null; current: string | null };
  category: { prior: string | null; current: string | null };
  zones: { name: string; prior: number; current: number; change: number }[];
}

/**
 * The smallest change in involvement read as real: 2 points, or 20 % of the larger reading. The same CT resliced
 * (0.625-5 mm), made noisier or given a sharp-kernel look moved RICORD's 8.1 % by at most 1.3 points, 16 % of it
 * (docs/analysis.md); a change inside that margin could be the scan, not the patient.
 */
export const CHANGE_POINTS = 2;
export const CHANGE_SHARE = 0.2;
/** Total lung volumes further apart than this share: different coverage or inspiration (a warning). */
const LUNG_VOLUME_SHARE = 0.25;
/** ... and further apart than this: the scans do not cover the same lung (single slices, a slab), no trend. */
const COVERAGE_SHARE = 0.5;

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** The numbers of a report.json (any version); null when it is not a report. */
export function readingOf(report: unknown): Reading | null {
  if (!report || typeof report !== 'object') return null;
  const zones = at(report, 'zones');
  const spacing = at(report, 'input.spacingMm');
  const right = num(at(report, 'lung.right.volumeMl'));
  const left = num(at(report, 'lung.left.volumeMl'));
  return {
    involvementPercent: num(at(report, 'involvement.percent')),
    rightPercent: num(at(report, 'involvement.right.percent')),
    leftPercent: num(at(report, 'involvement.left.percent')),
    lungMl: num(at(report, 'lung.total.volumeMl')) ?? (right !== null && left !== null ? right + left : null),
    ggoMl: num(at(report, 'lesions.ggo.volumeMl')),
    consolidationMl: num(at(report, 'lesions.consolidation.volumeMl')),
    severityTotal: num(at(report, 'severity.total')),
    ctBand: str(at(report, 'severity.mosmed')),
    category: str(at(report, 'typicality.category')),
    zones: Array.isArray(zones)
      ? zones.flatMap((z) => {
          const name = str(at(z, 'name'));
          const score = num(at(z, 'score'));
          return name !== null && score !== null ? [{ name, score }] : [];
        })
      : [],
    sliceMm: Array.isArray(spacing) ? num(spacing[2]) : null,
    engine: str(at(report, 'versions.engine')),
  };
}

function change(prior: number | null, current: number | null, digits = 2): Change {
  return {
    prior,
    current,
    change: prior !== null && current !== null ? round(current - prior, digits) : null,
  };
}

/** The smallest change of `c` read as real (percentage points). */
const marginOf = (c: Change) => Math.max(CHANGE_POINTS, CHANGE_SHARE * Math.max(c.prior ?? 0, c.current ?? 0));

/** -1, 0 or 1: whether `c` moved beyond the margin. */
function direction(c: Change): -1 | 0 | 1 {
  if (c.change === null) return 0;
  return Math.abs(c.change) < marginOf(c) ? 0 : c.change > 0 ? 1 : -1;
}

const pct = (x: number | null) => (x === null ? '?' : `${round(x, 1)} %`);

function share(r: Reading): number | null {
  if (r.ggoMl === null || r.consolidationMl === null) return null;
  const all = r.ggoMl + r.consolidationMl;
  return all > 0 ? round((100 * r.consolidationMl) / all, 1) : null;
}

/** Days from one DICOM date (YYYYMMDD) to another; null when either is missing or not a date. */
export function daysBetween(from: string | null, to: string | null): number | null {
  const parse = (d: string | null) => {
    const m = d ? /^(\d{4})(\d{2})(\d{2})$/.exec(d.trim()) : null;
    return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
  };
  const days = (parse(to) - parse(from)) / 86_400_000;
  return Number.isFinite(days) ? days : null;
}

/** How far apart the two total lung volumes are, as a share of the larger; null when unknown. */
function lungVolumeGap(prior: Reading, current: Reading): number | null {
  if (prior.lungMl === null || current.lungMl === null || Math.max(prior.lungMl, current.lungMl) <= 0) return null;
  return Math.abs(current.lungMl - prior.lungMl) / Math.max(prior.lungMl, current.lungMl);
}

function warningsOf(prior: Reading, current: Reading): string[] {
  const out: string[] = [];
  const diff = lungVolumeGap(prior, current);
  if (diff !== null && prior.lungMl !== null && current.lungMl !== null) {
    if (diff > LUNG_VOLUME_SHARE && diff <= COVERAGE_SHARE)
      out.push(
        `lung volumes differ by ${Math.round(100 * diff)} % (${Math.round(prior.lungMl)} -> ${Math.round(current.lungMl)} mL): ` +
          'different coverage or inspiration, so shares of the lung compare less well',
      );
  }
  if (prior.sliceMm !== null && current.sliceMm !== null) {
    const ratio = Math.max(prior.sliceMm, current.sliceMm) / Math.min(prior.sliceMm, current.sliceMm);
    if (ratio >= 2)
      out.push(`slice spacing ${round(prior.sliceMm)} mm then ${round(current.sliceMm)} mm: thin and thick slices`);
  }
  if (prior.engine && current.engine && prior.engine !== current.engine)
    out.push('read by different engine versions: re-analyse the earlier study for a like-for-like comparison');
  return out;
}

function sideReasons(name: string, c: Change, dir: -1 | 0 | 1): string[] {
  if (c.prior === null || c.current === null) return [];
  if (c.prior < SIDE_PERCENT && c.current >= SIDE_PERCENT)
    return [`new involvement of the ${name} lung (${pct(c.current)})`];
  if (c.prior >= SIDE_PERCENT && c.current < SIDE_PERCENT)
    return [`the ${name} lung has cleared (${pct(c.prior)} before)`];
  if (dir === 0) return [];
  return [`${name} lung ${dir > 0 ? 'worse' : 'better'}: ${pct(c.prior)} -> ${pct(c.current)}`];
}

/** What else moved: zone scores by 2 or more, the lesions' density, the CT band. */
function detailReasons(prior: Reading, current: Reading, zones: Comparison['zones'], densities: Change): string[] {
  const out: string[] = [];
  const worse = zones.filter((z) => z.change >= 2).map((z) => z.name);
  const better = zones.filter((z) => z.change <= -2).map((z) => z.name);
  if (worse.length) out.push(`zone score up by 2 or more: ${worse.join(', ')}`);
  if (better.length) out.push(`zone score down by 2 or more: ${better.join(', ')}`);
  if (densities.change !== null && Math.abs(densities.change) >= 20)
    out.push(
      `${densities.change > 0 ? 'denser' : 'less dense'}: consolidation ${densities.prior} % -> ` +
        `${densities.current} % of the lesions`,
    );
  if (prior.ctBand && current.ctBand && prior.ctBand !== current.ctBand)
    out.push(`CT band ${prior.ctBand} -> ${current.ctBand}`);
  return out;
}

/** How `current` differs from `prior`, `intervalDays` after it (null when unknown). */
export function compareReadings(prior: Reading, current: Reading, intervalDays: number | null = null): Comparison {
  const involvement = change(prior.involvementPercent, current.involvementPercent);
  const right = change(prior.rightPercent, current.rightPercent);
  const left = change(prior.leftPercent, current.leftPercent);
  const densities = change(share(prior), share(current), 1);
  const zones = current.zones.flatMap((z) => {
    const before = prior.zones.find((p) => p.name === z.name);
    return before ? [{ name: z.name, prior: before.score, current: z.score, change: z.score - before.score }] : [];
  });
  const warnings = warningsOf(prior, current);
  const reasons: string[] = [];
  let trend: Trend;
  const total = direction(involvement);
  const sides = [direction(right), direction(left)];
  const gap = lungVolumeGap(prior, current);
  if (involvement.change === null) {
    trend = 'not comparable';
    reasons.push('a report lacks the involvement of the lungs');
  } else if (gap !== null && gap > COVERAGE_SHARE) {
    trend = 'not comparable';
    reasons.push(
      `lung volumes differ by ${Math.round(100 * gap)} %: the two scans do not cover the same lung ` +
        `(involvement ${pct(involvement.prior)} -> ${pct(involvement.current)} is not a change of the patient)`,
    );
  } else {
    const margin = marginOf(involvement);
    // One lung better and the other worse is said as such; else the total decides, or a lung that moved alone.
    const moved = total !== 0 ? total : (sides.find((d) => d !== 0) ?? 0);
    if (sides.includes(1) && sides.includes(-1)) trend = 'mixed';
    else trend = moved > 0 ? 'progression' : moved < 0 ? 'regression' : 'stable';
    reasons.push(
      `involvement ${pct(involvement.prior)} -> ${pct(involvement.current)} ` +
        `(${involvement.change >= 0 ? '+' : ''}${round(involvement.change, 1)} points; margin ${round(margin, 1)})`,
    );
    reasons.push(...sideReasons('right', right, sides[0]), ...sideReasons('left', left, sides[1]));
  }
  if (trend !== 'not comparable') reasons.push(...detailReasons(prior, current, zones, densities));
  return {
    intervalDays,
    trend,
    reasons,
    warnings,
    involvementPercent: involvement,
    rightPercent: right,
    leftPercent: left,
    ggoMl: change(prior.ggoMl, current.ggoMl, 1),
    consolidationMl: change(prior.consolidationMl, current.consolidationMl, 1),
    consolidationShare: densities,
    severityTotal: change(prior.severityTotal, current.severityTotal, 0),
    ctBand: { prior: prior.ctBand, current: current.ctBand },
    category: { prior: prior.category, current: current.category },
    zones,
  };
}

/** The comparison in one paragraph, for the SR written back to the PACS (days, never dates: dates are shifted). */
export function comparisonText(c: Comparison): string {
  const when = c.intervalDays === null ? 'the CT before' : `the CT ${c.intervalDays} days before`;
  const parts = [`Since ${when}: ${c.trend}.`, ...c.reasons.map((r) => `${r[0].toUpperCase()}${r.slice(1)}.`)];
  if (c.warnings.length) parts.push(`Compare with care: ${c.warnings.join('; ')}.`);
  return parts.join(' ');
}
