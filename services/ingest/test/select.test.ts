import { describe, expect, it } from '@jest/globals';
import { notAnalysedReason, studySelection, type SeriesFacts } from '@mic/ingest';

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

  it("refuses projections: a MIP holds a slab's brightest value, not the tissue's", () => {
    expect(notAnalysedReason({ ...chest, imageType: 'DERIVED\\SECONDARY\\MIP' }, rules)).toMatch(/projection/);
    expect(notAnalysedReason({ ...chest, description: 'Thorax MinIP 10mm' }, rules)).toMatch(/projection/);
    expect(notAnalysedReason({ ...chest, description: 'Thorax lung 1mm' }, rules)).toBeNull();
  });

  it('reads a study once: its reformats are not analysed beside its axial series', () => {
    const axial = { ...chest, orientation: 'axial' };
    const coronal = { ...chest, orientation: 'coronal', description: 'Lung COR 3mm' };
    const sagittal = { ...chest, orientation: 'sagittal' };
    expect(studySelection([coronal, axial, sagittal], rules)).toEqual([
      "coronal reformat: the study's axial series is analysed",
      null,
      "sagittal reformat: the study's axial series is analysed",
    ]);
    // without an axial series that is itself analysed, the reformat is read (in axial order)
    expect(studySelection([coronal, { ...axial, instanceCount: 3 }], rules)).toEqual([null, '3 slices, fewer than 10']);
    // series catalogued before the plane was recorded count as axial and refuse nothing
    expect(studySelection([coronal, { ...chest, orientation: null }], rules)[0]).toMatch(/reformat/);
    expect(studySelection([{ ...chest, orientation: null }, { ...chest }], rules)).toEqual([null, null]);
  });
});
