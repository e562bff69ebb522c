import { describe, expect, it } from '@jest/globals';
import { match, suppress } from '@mic/api';

const group = (category: string, patients: number, analyses = patients) => ({
  key: { category },
  patients,
  analyses,
  involvementMean: 10,
  involvementMedian: 9,
  ggoMlMean: 100,
  consolidationMlMean: 5,
});
const total = (patients: number) => ({ ...group('', patients), key: {} });

describe('small-cell suppression', () => {
  it('shows every group of at least k patients', () => {
    const out = suppress([group('typical', 7), group('atypical', 5)], total(12), 5);
    expect(out.groups.every((g) => !g.suppressed)).toBe(true);
    expect(out.total?.patients).toBe(12);
  });

  it('hides a small group and, when it is the only one, the next smallest too', () => {
    const out = suppress([group('typical', 20), group('indeterminate', 6), group('negative', 2)], total(28), 5);
    expect(out.groups.map((g) => [g.key.category, g.suppressed && g.reason])).toEqual([
      ['typical', false],
      ['indeterminate', 'complementary'],
      ['negative', 'small'],
    ]);
    // A hidden group carries no numbers at all.
    expect(out.groups[2]).toEqual({ key: { category: 'negative' }, suppressed: true, reason: 'small' });
  });

  it('needs no complementary hiding when two groups are small already', () => {
    const out = suppress([group('typical', 20), group('atypical', 1), group('negative', 3)], total(24), 5);
    expect(out.groups.filter((g) => g.suppressed).map((g) => g.suppressed && g.reason)).toEqual(['small', 'small']);
  });

  it('counts patients, not analyses: many series of one patient stay hidden', () => {
    const out = suppress([group('typical', 2, 9), group('negative', 8)], total(10), 5);
    expect(out.groups[0]).toMatchObject({ suppressed: true, reason: 'small' });
  });

  it('hides everything, total included, when the whole selection is small', () => {
    const out = suppress([group('typical', 3)], total(3), 5);
    expect(out.total).toBeNull();
    expect(out.groups[0]?.suppressed).toBe(true);
  });

  it('is routed', () => {
    expect(match('/api/v1/stats')?.route.name).toBe('stats');
  });
});
