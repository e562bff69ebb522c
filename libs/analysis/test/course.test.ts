import { describe, expect, it } from '@jest/globals';
import { compareReadings, comparisonText, daysBetween, readingOf, type Reading } from '../src/index.js';

const zoneScore = (p: number) => (p === 0 ? 0 : p < 5 ? 1 : p <= 25 ? 2 : p <= 50 ? 3 : p <= 75 ? 4 : 5);

/** A report.json as `mic analyze` writes it, with the numbers that matter here. */
function report(o: { right: number; left: number; ggo?: number; cons?: number; lungMl?: number; engine?: string }) {
  const lungMl = o.lungMl ?? 4400;
  const total = (o.right + o.left) / 2;
  return {
    input: { dims: [512, 512, 255], spacingMm: [0.7, 0.7, 1.25], slices: 255 },
    lung: { right: { volumeMl: lungMl / 2 }, left: { volumeMl: lungMl / 2 }, total: { volumeMl: lungMl } },
    lesions: { ggo: { volumeMl: o.ggo ?? (total * lungMl) / 100 }, consolidation: { volumeMl: o.cons ?? 0 } },
    involvement: { percent: total, right: { percent: o.right }, left: { percent: o.left } },
    zones: [
      { name: 'right-lower', score: zoneScore(o.right) },
      { name: 'left-lower', score: zoneScore(o.left) },
    ],
    severity: { total: 7, max: 30, mosmed: total < 1 ? 'CT-0' : total < 25 ? 'CT-1' : 'CT-2' },
    typicality: { category: total < 1 ? 'negative' : 'typical' },
    versions: { engine: o.engine ?? 'sha256:aaa' },
  };
}
const read = (r: unknown) => readingOf(r) as Reading;

describe('comparing a follow-up CT with the one before', () => {
  it('reads the numbers of a report, and nothing from what is not one', () => {
    const r = read(report({ right: 7.54, left: 8.62, cons: 43.9 }));
    expect(r).toMatchObject({ involvementPercent: 8.08, rightPercent: 7.54, lungMl: 4400, sliceMm: 1.25 });
    expect(r.zones).toEqual([
      { name: 'right-lower', score: 2 },
      { name: 'left-lower', score: 2 },
    ]);
    expect(readingOf(null)).toBeNull();
    expect(readingOf('report')).toBeNull();
    // an old report without zones, total volume or versions still gives what it has
    const old = read({ involvement: { percent: 3 }, lung: { right: { volumeMl: 2000 }, left: { volumeMl: 1800 } } });
    expect(old).toMatchObject({ involvementPercent: 3, lungMl: 3800, zones: [], engine: null, ggoMl: null });
  });

  it('calls a change within what the scan itself moves stable', () => {
    // RICORD as stored, then with a sharp-kernel look: 8.08 -> 6.81 %, the largest shift of the variants
    const c = compareReadings(read(report({ right: 7.54, left: 8.62 })), read(report({ right: 6.3, left: 7.32 })), 7);
    expect(c.trend).toBe('stable');
    expect(c.involvementPercent.change).toBeCloseTo(-1.27, 2);
    expect(c.intervalDays).toBe(7);
    expect(c.reasons[0]).toMatch(/margin 2/);
  });

  it('finds progression, a newly involved lung, and a margin that grows with the reading', () => {
    const c = compareReadings(read(report({ right: 10, left: 0.2 })), read(report({ right: 18, left: 12 })));
    expect(c.trend).toBe('progression');
    expect(c.reasons).toContain('new involvement of the left lung (12 %)');
    expect(c.reasons.some((r) => r.startsWith('right lung worse: 10 % -> 18 %'))).toBe(true);
    expect(c.reasons.some((r) => r.startsWith('CT band'))).toBe(false); // CT-1 both times
    const at50 = (right: number) =>
      compareReadings(read(report({ right: 50, left: 50 })), read(report({ right, left: right })));
    expect(at50(58).trend).toBe('stable'); // 8 points at 50-58 %: inside 20 % of the larger reading
    expect(at50(63).trend).toBe('progression');
    const zone = compareReadings(read(report({ right: 10, left: 10 })), read(report({ right: 60, left: 10 })));
    expect(zone.reasons).toContain('zone score up by 2 or more: right-lower');
  });

  it('finds regression and one lung better while the other is worse', () => {
    const down = compareReadings(read(report({ right: 40, left: 30 })), read(report({ right: 15, left: 10 })));
    expect(down.trend).toBe('regression');
    expect(down.reasons).toContain('CT band CT-2 -> CT-1');
    expect(down.zones).toContainEqual({ name: 'right-lower', prior: 3, current: 2, change: -1 });
    const mixed = compareReadings(read(report({ right: 10, left: 20 })), read(report({ right: 20, left: 8 })));
    expect(mixed.trend).toBe('mixed');
    const cleared = compareReadings(read(report({ right: 6, left: 2 })), read(report({ right: 0.1, left: 0 })));
    expect(cleared.trend).toBe('regression');
    expect(cleared.reasons).toContain('the left lung has cleared (2 % before)');
  });

  it('says when the lesions turn denser', () => {
    const c = compareReadings(
      read(report({ right: 8, left: 8, ggo: 300, cons: 40 })),
      read(report({ right: 8, left: 8, ggo: 150, cons: 200 })),
    );
    expect(c.trend).toBe('stable');
    expect(c.consolidationShare).toEqual({ prior: 11.8, current: 57.1, change: 45.3 });
    expect(c.reasons).toContain('denser: consolidation 11.8 % -> 57.1 % of the lesions');
  });

  it('warns when the two scans are less alike than one protocol, and gives up without involvement', () => {
    const prior = read(report({ right: 8, left: 8 }));
    const other = read({
      ...report({ right: 9, left: 9, lungMl: 2600, engine: 'sha256:bbb' }),
      input: { spacingMm: [0.7, 0.7, 5] },
    });
    const c = compareReadings(prior, other);
    expect(c.warnings).toHaveLength(3);
    expect(c.warnings[0]).toMatch(/^lung volumes differ by 41 %/);
    expect(c.warnings[1]).toMatch(/1.25 mm then 5 mm/);
    expect(c.warnings[2]).toMatch(/different engine versions/);
    expect(c.trend).toBe('stable'); // 41 % apart: warned, still compared
    // a slab or a single slice against a whole chest: no trend at all
    const slab = compareReadings(prior, read(report({ right: 30, left: 30, lungMl: 1200 })));
    expect(slab.trend).toBe('not comparable');
    expect(slab.reasons[0]).toMatch(/^lung volumes differ by 73 %: the two scans do not cover the same lung/);
    const none = compareReadings(prior, read({ lung: {} }));
    expect(none.trend).toBe('not comparable');
  });

  it('says the change in one paragraph for the SR: days, never dates', () => {
    const c = compareReadings(read(report({ right: 10, left: 0.2 })), read(report({ right: 18, left: 12 })), 7);
    expect(comparisonText(c)).toBe(
      'Since the CT 7 days before: progression. Involvement 5.1 % -> 15 % (+9.9 points; margin 3). ' +
        'Right lung worse: 10 % -> 18 %. New involvement of the left lung (12 %).',
    );
    const other = read({ ...report({ right: 9, left: 9, lungMl: 2600 }) });
    expect(comparisonText(compareReadings(read(report({ right: 8, left: 8 })), other))).toMatch(
      /^Since the CT before: stable\. .* Compare with care: lung volumes differ by 41 %/,
    );
  });

  it('counts days between DICOM dates', () => {
    expect(daysBetween('20200317', '20200324')).toBe(7);
    expect(daysBetween('20191230', '20200102')).toBe(3);
    expect(daysBetween(null, '20200324')).toBeNull();
    expect(daysBetween('2020-03-17', '20200324')).toBeNull();
  });
});
