import { describe, expect, it } from '@jest/globals';
import { classifyTypicality, mosmedBand, zoneScore, type TypicalityFeatures } from '@mic/analysis';

const base: TypicalityFeatures = {
  involvementPercent: 12,
  rightInvolvementPercent: 14,
  leftInvolvementPercent: 10,
  bilateral: true,
  peripheralFraction: 0.7,
  ggoFraction: 0.85,
  lesionComponents: 6,
  largestComponentFraction: 0.4,
};

describe('severity scores', () => {
  it('bins zone involvement into the 0-5 score and total involvement into MosMed bands', () => {
    expect([0, 3, 5, 25, 26, 50, 51, 75, 76].map(zoneScore)).toEqual([0, 1, 2, 2, 3, 3, 4, 4, 5]);
    expect([0.5, 10, 30, 60, 80].map(mosmedBand)).toEqual(['CT-0', 'CT-1', 'CT-2', 'CT-3', 'CT-4']);
  });
});

describe('RSNA typicality from features', () => {
  it('calls bilateral peripheral GGO typical and says why', () => {
    const t = classifyTypicality(base);
    expect(t.category).toBe('typical');
    expect(t.reasons.join(' ')).toMatch(/bilateral.*peripheral.*GGO/s);
  });

  it('calls near-zero involvement negative', () => {
    expect(classifyTypicality({ ...base, involvementPercent: 0.3 }).category).toBe('negative');
  });

  it('calls unilateral consolidation atypical', () => {
    const t = classifyTypicality({ ...base, bilateral: false, leftInvolvementPercent: 0, ggoFraction: 0.1 });
    expect(t.category).toBe('atypical');
  });

  it('calls central or unilateral GGO indeterminate', () => {
    expect(classifyTypicality({ ...base, peripheralFraction: 0.3 }).category).toBe('indeterminate');
    expect(classifyTypicality({ ...base, bilateral: false }).category).toBe('indeterminate');
  });
});
