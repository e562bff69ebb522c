import {
  LESION_CONSOLIDATION,
  LESION_GGO,
  LEFT,
  RIGHT,
  type AnalysisResult,
  type TypicalityCategory,
} from '@mic/analysis';
import {
  SEGMENT_KINDS,
  TYPICALITY,
  sourceSeriesFromHeaders,
  writeSeg,
  writeSr,
  type SegmentSpec,
  type SeriesVolume,
} from '@mic/dicom';

/** Label values of the combined SEG label map. */
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

/** Lungs and lesions in one map: a lesion voxel is GGO or consolidation rather than right/left lung. */
function combinedLabels(r: AnalysisResult): Uint8Array {
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

/**
 * DICOM SEG (right lung, left lung, GGO, consolidation) and Comprehensive 3D SR (volumes, involvement, severity,
 * typicality, algorithm) of an analysis of a single-frame DICOM series.
 */
export function dicomOutputs(series: SeriesVolume, r: AnalysisResult): { seg: Uint8Array; sr: Uint8Array } {
  if (series.frameNumbers.some((f) => f !== 1))
    throw new Error('multi-frame source images are not supported for SEG/SR references');
  const source = sourceSeriesFromHeaders(series.headers);
  const algorithm = { name: 'mic-analysis', version: `${r.report.versions.analysis} (${r.report.versions.lesions})` };
  const seg = writeSeg({
    source,
    labels: { data: combinedLabels(r), dims: r.lungs.dims as [number, number, number] },
    segments: SEGMENTS,
    algorithm,
    seriesDescription: `Lungs and lesions (${r.report.lesions.method})`,
  });
  const rep = r.report;
  // Lung segments carry the whole lung volume (lesions included), as reported in report.json.
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
  });
  return { seg: seg.bytes, sr: sr.bytes };
}
