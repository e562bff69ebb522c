/** What the selection rules look at for one series (de-identified catalogue values). */
export interface SeriesFacts {
  modality: string | null;
  bodyPart: string | null;
  description: string | null;
  sliceThicknessMm: number | null;
  imageType: string | null;
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
  const bodyPart = (s.bodyPart ?? '').trim().toUpperCase();
  if (!CHEST_BODY_PARTS.has(bodyPart) && !CHEST_WORDS.test(s.description ?? ''))
    return `not a chest series (body part ${bodyPart || 'missing'}, description "${s.description ?? ''}")`;
  if (s.instanceCount < rules.minSlices) return `${s.instanceCount} slices, fewer than ${rules.minSlices}`;
  if (s.sliceThicknessMm === null || !Number.isFinite(s.sliceThicknessMm)) return 'slice thickness missing';
  if (s.sliceThicknessMm > rules.maxSliceThicknessMm)
    return `slice thickness ${s.sliceThicknessMm} mm above ${rules.maxSliceThicknessMm} mm`;
  return null;
}
