import {
  analyzeVolume,
  huBandMethod,
  kmeansMethod,
  LESION_CONSOLIDATION,
  LESION_GGO,
  LEFT,
  RIGHT,
  type AnalysisResult,
  type LesionMethod,
  type TypicalityCategory,
} from '@mic/analysis';
import {
  assembleSeries,
  SEGMENT_KINDS,
  sourceSeriesFromHeaders,
  TYPICALITY,
  writeNifti,
  writeSeg,
  writeSr,
  type SegmentSpec,
  type SeriesVolume,
  type SourceSeries,
} from '@mic/dicom';

// The orchestration below repeats what `mic analyze` does in cli/src/commands/analysis.ts and
// cli/src/analysis/dicom-out.ts (series choice, combined label map, SEG/SR contents). It belongs in one shared pure
// function in @mic/analysis or @mic/dicom; until then keep the two in step.

export const LESION_METHODS: Record<string, LesionMethod> = { hu: huBandMethod, kmeans: kmeansMethod };

const LABEL = { rightLung: 1, leftLung: 2, ggo: 3, consolidation: 4 } as const;

const SEGMENTS: SegmentSpec[] = [
  { ...SEGMENT_KINDS.rightLung, labelValue: LABEL.rightLung },
  { ...SEGMENT_KINDS.leftLung, labelValue: LABEL.leftLung },
  { ...SEGMENT_KINDS.groundGlassOpacity, labelValue: LABEL.ggo },
  { ...SEGMENT_KINDS.consolidation, labelValue: LABEL.consolidation },
];

const CATEGORY_CODES: Record<TypicalityCategory, (typeof TYPICALITY)[keyof typeof TYPICALITY]> = {
  typical: TYPICALITY.typical,
  indeterminate: TYPICALITY.indeterminate,
  atypical: TYPICALITY.atypical,
  negative: TYPICALITY.negative,
};

export class AnalysisInputError extends Error {
  readonly code = 'BAD_INPUT';
}

/** Assembles the instances of one series and picks it (by UID, else the one with most slices). */
export async function assembleOne(
  inputs: { name: string; bytes: Uint8Array }[],
  seriesUid: string,
): Promise<SeriesVolume> {
  const { series, skipped } = await assembleSeries(inputs);
  if (series.length === 0)
    throw new AnalysisInputError(`no image series in the job's instances${skipped[0] ? `: ${skipped[0].reason}` : ''}`);
  const byUid = series.find((s) => s.seriesInstanceUid === seriesUid);
  const s = byUid ?? series.reduce((a, b) => (b.volume.dims[2] > a.volume.dims[2] ? b : a));
  if (s.frameNumbers.some((f) => f !== 1))
    throw new AnalysisInputError('multi-frame source images are not supported for SEG/SR references');
  return s;
}

/** Lungs and lesions in one map: a lesion voxel is GGO or consolidation rather than right/left lung. */
export function combinedLabels(r: AnalysisResult): Uint8Array {
  const lungs = r.lungs.data;
  const lesions = r.lesions.data;
  const out = new Uint8Array(lungs.length);
  for (let p = 0; p < lungs.length; p++) {
    const les = lesions[p];
    if (les === LESION_GGO) out[p] = LABEL.ggo;
    else if (les === LESION_CONSOLIDATION) out[p] = LABEL.consolidation;
    else if (lungs[p] === RIGHT) out[p] = LABEL.rightLung;
    else if (lungs[p] === LEFT) out[p] = LABEL.leftLung;
  }
  return out;
}

export interface DerivedUids {
  segSopUid: string;
  segSeriesUid: string;
  srSopUid: string;
  srSeriesUid: string;
}

/** SEG (right/left lung, GGO, consolidation) and SR (volumes, involvement, severity, typicality) of one analysis. */
export function derivedObjects(
  source: SourceSeries,
  labels: Uint8Array,
  r: Pick<AnalysisResult, 'report'> & { dims: readonly number[] },
  uids: DerivedUids,
): { seg: Uint8Array; sr: Uint8Array } {
  const rep = r.report;
  const algorithm = { name: 'mic-analysis', version: `${rep.versions.analysis} (${rep.versions.lesions})` };
  const seg = writeSeg({
    source,
    labels: { data: labels, dims: r.dims as [number, number, number] },
    segments: SEGMENTS,
    algorithm,
    seriesDescription: `Lungs and lesions (${rep.lesions.method})`,
    sopInstanceUid: uids.segSopUid,
    seriesInstanceUid: uids.segSeriesUid,
  });
  const volumes = [
    rep.lung.right.volumeMl,
    rep.lung.left.volumeMl,
    rep.lesions.ggo.volumeMl,
    rep.lesions.consolidation.volumeMl,
  ];
  const lungTotal = rep.lung.total.volumeMl;
  const percentOf = (ml: number) => (lungTotal > 0 ? Math.round((1e4 * ml) / lungTotal) / 100 : 0);
  const sr = writeSr({
    source,
    seg,
    measurements: {
      segments: SEGMENTS.map((s, i) => ({
        segmentNumber: i + 1,
        label: s.label,
        finding: s.type,
        findingSite: s.typeModifier,
        volumeMl: volumes[i],
        percentOfLung: [rep.involvement.right.percent, rep.involvement.left.percent][i] ?? percentOf(volumes[i]),
      })),
      severityScore: rep.severity.total,
      typicality: CATEGORY_CODES[rep.typicality.category],
    },
    algorithm,
    sopInstanceUid: uids.srSopUid,
    seriesInstanceUid: uids.srSeriesUid,
  });
  return { seg: seg.bytes, sr: sr.bytes };
}

export interface SeriesAnalysis {
  series: SeriesVolume;
  source: SourceSeries;
  result: AnalysisResult;
  labels: Uint8Array;
  files: { 'lungs.nii.gz': Uint8Array; 'lesions.nii.gz': Uint8Array };
}

/** Assembles and analyses one series; NIfTI label maps included. No I/O. */
export async function analyseSeries(
  inputs: { name: string; bytes: Uint8Array }[],
  opts: { seriesUid: string; method: string; onStage?: (stage: string, i: number, n: number) => void },
): Promise<SeriesAnalysis> {
  const method = LESION_METHODS[opts.method];
  if (!method) throw new AnalysisInputError(`unknown lesion method ${opts.method}`);
  const series = await assembleOne(inputs, opts.seriesUid);
  const result = analyzeVolume(series.volume, { method, onStage: opts.onStage });
  return {
    series,
    source: sourceSeriesFromHeaders(series.headers),
    result,
    labels: combinedLabels(result),
    files: { 'lungs.nii.gz': writeNifti(result.lungs), 'lesions.nii.gz': writeNifti(result.lesions) },
  };
}
