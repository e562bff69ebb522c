import { fromPatientOrder, isPatientOrder, isReformat, patientAxes, toPatientOrder, type Volume } from '@mic/imaging';
import type { HuVolume, LesionMethod, LesionOptions } from './lesions/types.js';
import { segmentLungs, type LungSegmentationOptions } from './lungs/segment.js';
import { engineVersions } from './engine.js';
import { lungSlab } from './slab.js';
import { quantify, type RegionStats, type ZoneStats } from './quantify/quantify.js';
import { severityOf, type Severity } from './quantify/severity.js';
import { refineLesions, type RefineParams } from './refine.js';
import { classifyTypicality, typicalityFeatures, type Typicality } from './quantify/typicality.js';

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export interface AnalysisReport {
  input: { dims: number[]; spacingMm: number[]; slices: number };
  lung: { right: { volumeMl: number }; left: { volumeMl: number }; total: { volumeMl: number } };
  lesions: {
    method: string;
    ggo: { volumeMl: number };
    consolidation: { volumeMl: number };
    /** Rim-only, vessel-like and tiny components the clean-up dropped. */
    removed: { components: number; volumeMl: number };
  };
  involvement: {
    percent: number;
    right: { percent: number };
    left: { percent: number };
    poPercent: number;
    phoPercent: number;
  };
  regions: { right: RegionStats; left: RegionStats; total: RegionStats };
  zones: ZoneStats[];
  severity: Severity;
  typicality: Typicality;
  warnings: string[];
  timingsMs: Record<string, number>;
  versions: Record<string, string>;
}

export interface AnalysisResult {
  lungs: Volume<Uint8Array>;
  lesions: Volume<Uint8Array>;
  report: AnalysisReport;
}

/**
 * Why a result must not be given out as a reading, or null: with no lung found there is no chest to read, and its
 * empty maps would read as "negative for pneumonia".
 */
export function notAnalysableReason(r: AnalysisResult): string | null {
  return r.lungs.data.some((v) => v !== 0)
    ? null
    : 'no lung found in the series (not a chest CT, or no lung in the field of view)';
}

export interface AnalyzeOptions {
  method: LesionMethod;
  lesionOptions?: LesionOptions;
  lungOptions?: LungSegmentationOptions;
  /** Lesion clean-up parameters; false keeps the method's map as is. */
  refine?: Partial<RefineParams> | false;
  /** Called as each stage starts (progress display). */
  onStage?: (stage: string, index: number, count: number) => void;
}

function roundStats<T extends RegionStats>(s: T): T {
  const out = { ...s } as Record<string, unknown>;
  for (const [k, v] of Object.entries(s)) if (typeof v === 'number') out[k] = round(v);
  return out as T;
}

type Timer = <T>(name: string, f: () => T) => T;

function timer(o: AnalyzeOptions, timingsMs: Record<string, number>): Timer {
  const stages = ['lungs', 'lesions', 'refine', 'quantify', 'typicality'];
  return (name, f) => {
    o.onStage?.(name, stages.indexOf(name), stages.length);
    const t = performance.now();
    const r = f();
    timingsMs[name] = Math.round(performance.now() - t);
    return r;
  };
}

/** Lung segmentation, lesion partition, quantification, severity and typicality of one HU volume. */
export function analyzeVolume(input: HuVolume, o: AnalyzeOptions): AnalysisResult {
  const timingsMs: Record<string, number> = {};
  const { hu, restore } = patientOrder(input, timingsMs);
  const time = timer(o, timingsMs);
  const seg = time('lungs', () => segmentLungs(hu, o.lungOptions));
  const slab = lungSlab(hu, seg.labels);
  const raw = time('lesions', () => o.method.partition(slab.hu, slab.lungs, o.lesionOptions));
  return restore(finish(hu, seg, slab, raw, o, timingsMs));
}

/**
 * The volume in patient order (axial slices, radiological in-plane order), which the lung and zone rules assume, and
 * how to bring the result back onto the input's own grid (so a SEG still matches the source slices). A NIfTI in RAS
 * order or a series stored as coronal slices is analysed exactly as the same scan stored axially.
 */
function patientOrder(
  input: HuVolume,
  timingsMs: Record<string, number>,
): { hu: HuVolume; restore: (r: AnalysisResult) => AnalysisResult } {
  const m = patientAxes(input.direction);
  if (isPatientOrder(m)) return { hu: input, restore: (r) => r };
  const t = performance.now();
  const hu = toPatientOrder(input, m);
  timingsMs.reorient = Math.round(performance.now() - t);
  const restore = (r: AnalysisResult): AnalysisResult => {
    const t2 = performance.now();
    const lungs = fromPatientOrder(r.lungs, input, m);
    const lesions = fromPatientOrder(r.lesions, input, m);
    timingsMs.reorient += Math.round(performance.now() - t2);
    r.report.input = {
      dims: [...input.dims],
      spacingMm: input.spacing.map((x) => round(x, 4)),
      slices: input.dims[2],
    };
    if (isReformat(m))
      r.report.warnings.push(
        `input stored as ${m.axis[2] === 1 ? 'coronal' : 'sagittal'} slices: analysed in axial order`,
      );
    return { ...r, lungs, lesions };
  };
  return { hu, restore };
}

/**
 * As analyzeVolume, with the lesion partition done by `partition` (e.g. per slab in worker threads; it must give
 * the map `o.method` would).
 */
export async function analyzeVolumeWith(
  input: HuVolume,
  o: AnalyzeOptions,
  partition: (hu: HuVolume, lungs: Volume<Uint8Array>) => Promise<Volume<Uint8Array>>,
): Promise<AnalysisResult> {
  const timingsMs: Record<string, number> = {};
  const { hu, restore } = patientOrder(input, timingsMs);
  const seg = timer(o, timingsMs)('lungs', () => segmentLungs(hu, o.lungOptions));
  const slab = lungSlab(hu, seg.labels);
  o.onStage?.('lesions', 1, 5);
  const t = performance.now();
  const raw = await partition(slab.hu, slab.lungs);
  timingsMs.lesions = Math.round(performance.now() - t);
  return restore(finish(hu, seg, slab, raw, o, timingsMs));
}

/** Clean-up, quantification and typicality on the lung slab; the lesion map `raw` is the slab's. */
function finish(
  hu: HuVolume,
  seg: ReturnType<typeof segmentLungs>,
  slab: ReturnType<typeof lungSlab>,
  raw: Volume<Uint8Array>,
  o: AnalyzeOptions,
  timingsMs: Record<string, number>,
): AnalysisResult {
  const time = timer(o, timingsMs);
  const refined = time('refine', () =>
    o.refine === false
      ? { lesions: raw, removed: { components: 0, ml: 0 } }
      : refineLesions(raw, slab.lungs, slab.hu, o.refine),
  );
  const q = time('quantify', () => quantify(slab.hu, slab.lungs, refined.lesions));
  const typ = time('typicality', () => classifyTypicality(typicalityFeatures(slab.lungs, refined.lesions, q)));
  const lesions = slab.expand(refined.lesions);
  const f = typ.features as unknown as Record<string, number | boolean>;
  for (const k of Object.keys(f)) if (typeof f[k] === 'number') f[k] = round(f[k] as number, 3);
  const report: AnalysisReport = {
    input: { dims: [...hu.dims], spacingMm: hu.spacing.map((x) => round(x, 4)), slices: hu.dims[2] },
    lung: {
      right: { volumeMl: round(q.right.volumeMl) },
      left: { volumeMl: round(q.left.volumeMl) },
      total: { volumeMl: round(q.total.volumeMl) },
    },
    lesions: {
      method: `${o.method.name} ${o.method.version}`,
      ggo: { volumeMl: round(q.total.ggoMl) },
      consolidation: { volumeMl: round(q.total.consolidationMl) },
      removed: { components: refined.removed.components, volumeMl: round(refined.removed.ml) },
    },
    involvement: {
      percent: round(q.total.involvementPercent),
      right: { percent: round(q.right.involvementPercent) },
      left: { percent: round(q.left.involvementPercent) },
      poPercent: round(q.total.poPercent),
      phoPercent: round(q.total.phoPercent),
    },
    regions: { right: roundStats(q.right), left: roundStats(q.left), total: roundStats(q.total) },
    zones: q.zones.map(roundStats),
    severity: severityOf(q),
    typicality: typ,
    warnings: seg.warnings,
    timingsMs,
    versions: engineVersions(seg.version, o),
  };
  return { lungs: seg.labels, lesions, report };
}
