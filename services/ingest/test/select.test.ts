import { describe, expect, it } from '@jest/globals';
import { notAnalysedReason, type SeriesFacts } from '@mic/ingest';

const rules = { minSlices: 10, maxSliceThicknessMm: 5 };
const chest: SeriesFacts = {
  modality: 'CT',
  bodyPart: 'CHEST',
  description: null,
  sliceThicknessMm: 2.5,
  imageType: 'ORIGINAL\\PRIMARY\\AXIAL',
  instanceCount: 16,
};

describe('series selection', () => {
  it('analyses a thin chest CT series with enough slices', () => {
    expect(notAnalysedReason(chest, rules)).toBeNull();
    expect(notAnalysedReason({ ...chest, bodyPart: null, description: 'Thorax 1.25mm lung' }, rules)).toBeNull();
  });

  it('gives a reason for each rule', () => {
    expect(notAnalysedReason({ ...chest, modality: 'MR' }, rules)).toBe('modality MR is not CT');
    expect(notAnalysedReason({ ...chest, imageType: 'ORIGINAL\\PRIMARY\\LOCALIZER' }, rules)).toMatch(/localizer/);
    expect(notAnalysedReason({ ...chest, bodyPart: 'HEAD', description: 'brain' }, rules)).toMatch(/not a chest/);
    expect(notAnalysedReason({ ...chest, instanceCount: 3 }, rules)).toBe('3 slices, fewer than 10');
    expect(notAnalysedReason({ ...chest, sliceThicknessMm: 10 }, rules)).toMatch(/above 5 mm/);
    expect(notAnalysedReason({ ...chest, sliceThicknessMm: null }, rules)).toMatch(/missing/);
  });
});
