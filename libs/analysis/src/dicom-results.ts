import { SEGMENT_KINDS, TYPICALITY, writeSeg, writeSr, type SegmentSpec, type SourceSeries } from '@mic/dicom';
import { LESION_CONSOLIDATION, LESION_GGO } from './lesions/types.js';
import { LEFT, RIGHT } from './lungs/index.js';
import type { AnalysisResult } from './pipeline.js';
import type { TypicalityCategory } from './quantify/index.js';

/** Label values of the combined SEG label map. */
export const SEG_LABEL = { rightLung: 1, leftLung: 2, ggo: 3, consolidation: 4 } as const;

const SEGMENTS: SegmentSpec[] = [
  { ...SEGMENT_KINDS.rightLung, labelValue: SEG_LABEL.rightLung },
  { ...SEGMENT_KINDS.leftLung, labelValue: SEG_LABEL.leftLung },
  { ...SEGMENT_KINDS.groundGlassOpacity, labelValue: SEG_LABEL.ggo },
  { ...SEGMENT_KINDS.consolidation, labelValue: SEG_LABEL.consolidation },
];

const CATEGORY_CODES: Record<TypicalityCategory, (typeof TYPICALITY)[keyof typeof TYPICALITY]> = {
  typical: TYPICALITY.typical,
  indeterminate: TYPICALITY.indeterminate,
  atypical: TYPICALITY.atypical,
  negative: TYPICALITY.negative,
};

/** Lungs and lesions in one map: a lesion voxel is GGO or consolidation rather than right/left lung. */
export function combinedLabels(r: Pick<AnalysisResult, 'lungs' | 'lesions'>): Uint8Array {
  const lungs = r.lungs.data;
  const lesions = r.lesions.data;
  const out = new Uint8Array(lungs.length);
  // Most voxels are outside the lungs: 4 at a time where both maps have a zero word.
  const aligned = lungs.length % 4 === 0 && lungs.byteOffset % 4 === 0 && lesions.byteOffset % 4 === 0;
  const lw = aligned ? new Uint32Array(lungs.buffer, lungs.byteOffset, lungs.length / 4) : undefined;
  const sw = aligned ? new Uint32Array(lesions.buffer, lesions.byteOffset, lungs.length / 4) : undefined;
  const step = aligned ? 4 : 1;
  for (let i = 0; i < lungs.length; i += step) {
    if (lw && sw && lw[i >> 2] === 0 && sw[i >> 2] === 0) continue;
    for (let p = i; p < i + step; p++) {
      const les = lesions[p];
      if (les === LESION_GGO) out[p] = SEG_LABEL.ggo;
      else if (les === LESION_CONSOLIDATION) out[p] = SEG_LABEL.consolidation;
      else if (lungs[p] === RIGHT) out[p] = SEG_LABEL.rightLung;
      else if (lungs[p] === LEFT) out[p] = SEG_LABEL.leftLung;
    }
  }
  return out;
}

/** Fixed UIDs for the SEG and SR, so a resend replaces the same instances (write-back exactly once). */
export interface DerivedUids {
  segSopUid: string;
  segSeriesUid: string;
  srSopUid: string;
  srSeriesUid: string;
}

/**
 * DICOM SEG (right lung, left lung, GGO, consolidation) and Comprehensive 3D SR (volumes, involvement, severity,
 * typicality, algorithm) of one analysis of a single-frame DICOM series. New UIDs unless `uids` are given.
 */
export function derivedObjects(
  source: SourceSeries,
  labels: Uint8Array,
  r: Pick<AnalysisResult, 'report'> & { dims: readonly number[]; changeSincePrior?: string },
  uids?: DerivedUids,
): { seg: Uint8Array; sr: Uint8Array } {
  const rep = r.report;
  const algorithm = {
    name: 'mic-analysis',
    version: `${rep.versions.analysis} (${rep.versions.lesions})`,
    ...(rep.versions.engine ? { parameters: `engine ${rep.versions.engine}` } : {}),
  };
  const seg = writeSeg({
    source,
    labels: { data: labels, dims: r.dims as [number, number, number] },
    segments: SEGMENTS,
    algorithm,
    seriesDescription: `Lungs and lesions (${rep.lesions.method})`,
    ...(uids ? { sopInstanceUid: uids.segSopUid, seriesInstanceUid: uids.segSeriesUid } : {}),
  });
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
      ...(r.changeSincePrior ? { changeSincePrior: r.changeSincePrior } : {}),
    },
    algorithm,
    ...(uids ? { sopInstanceUid: uids.srSopUid, seriesInstanceUid: uids.srSeriesUid } : {}),
  });
  return { seg: seg.bytes, sr: sr.bytes };
}
