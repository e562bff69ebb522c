import { isProjection } from '@mic/dicom';

/** What the selection rules look at for one series (de-identified catalogue values). */
export interface SeriesFacts {
  modality: string | null;
  bodyPart: string | null;
  description: string | null;
  sliceThicknessMm: number | null;
  imageType: string | null;
  /** Plane of the slices (axial, coronal, sagittal, oblique), null when unknown. */
  orientation?: string | null;
  instanceCount: number;
}

export interface SelectionRules {
  minSlices: number;
  maxSliceThicknessMm: number;
}

const CHEST_BODY_PARTS = new Set(['CHEST', 'LUNG', 'THORAX', 'CHEST_TO_PELVIS', 'CHESTABDOMEN', 'CHESTABDPELVIS']);
const CHEST_WORDS = /\b(chest|lungs?|thorax|thoracic|thorax|pulmonary|pulmo|torax|thorace)\b/i;

/** The reason a series is not analysed, or null when it is. Checked in a fixed order, so the reason is stable. */
export function notAnalysedReason(s: SeriesFacts, rules: SelectionRules): string | null {
  const modality = (s.modality ?? '').trim().toUpperCase();
  if (modality !== 'CT') return `modality ${modality || 'missing'} is not CT`;
  const imageType = (s.imageType ?? '').toUpperCase().split('\\');
  if (imageType.includes('LOCALIZER')) return 'localizer (scout) series';
  if (isProjection(s.imageType, s.description))
    return "projection series (MIP, MinIP or rendering): its pixels are not the tissue's own HU";
  const bodyPart = (s.bodyPart ?? '').trim().toUpperCase();
  if (!CHEST_BODY_PARTS.has(bodyPart) && !CHEST_WORDS.test(s.description ?? ''))
    return `not a chest series (body part ${bodyPart || 'missing'}, description "${s.description ?? ''}")`;
  if (s.instanceCount < rules.minSlices) return `${s.instanceCount} slices, fewer than ${rules.minSlices}`;
  if (s.sliceThicknessMm === null || !Number.isFinite(s.sliceThicknessMm)) return 'slice thickness missing';
  if (s.sliceThicknessMm > rules.maxSliceThicknessMm)
    return `slice thickness ${s.sliceThicknessMm} mm above ${rules.maxSliceThicknessMm} mm`;
  return null;
}

/**
 * The reasons of every series of one study (index for index). A coronal, sagittal or oblique reformat is not
 * analysed when the study has an axial series that is: the same scan read twice would give two readings for one
 * study. Without one, the reformat is analysed (the engine reads it in axial order).
 */
export function studySelection(series: SeriesFacts[], rules: SelectionRules): (string | null)[] {
  const reasons = series.map((s) => notAnalysedReason(s, rules));
  const axial = series.some((s, t) => reasons[t] === null && (s.orientation ?? 'axial') === 'axial');
  return series.map((s, t) =>
    reasons[t] === null && axial && s.orientation && s.orientation !== 'axial'
      ? `${s.orientation} reformat: the study's axial series is analysed`
      : reasons[t],
  );
}
