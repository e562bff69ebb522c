import { describe, expect, it } from '@jest/globals';
import { compareStore } from '../src/verify/compare.js';

describe('verify: the catalogue against the store', () => {
  const now = Date.parse('2026-12-07T12:00:00Z');
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);

  it('finds what is lost, what changed size and what no row refers to', () => {
    const catalogued = [
      { key: 'dicom/aa/a.dcm', sha256: 'a', size: 100 },
      { key: 'dicom/bb/b.dcm', sha256: 'b', size: 200 },
      { key: 'dicom/cc/c.dcm', sha256: 'c', size: 300 },
      { key: 'results/1/2/v1-r1/report.json', sha256: 'r', size: null },
    ];
    const listed = [
      { key: 'dicom/aa/a.dcm', size: 100, lastModified: at(500) },
      { key: 'dicom/cc/c.dcm', size: 299, lastModified: at(500) },
      { key: 'results/1/2/v1-r1/report.json', size: 4321, lastModified: at(500) },
      { key: 'dicom/dd/d.dcm', size: 50, lastModified: at(5) },
      { key: 'results/9/9/v1-r1/seg.dcm', size: 50, lastModified: at(300) },
      { key: 'elsewhere/x', size: 1, lastModified: at(300) },
    ];
    const r = compareStore(catalogued, listed, now);
    expect(r.missing).toEqual(['dicom/bb/b.dcm']);
    expect(r.sizeDiffers).toEqual([{ key: 'dicom/cc/c.dcm', catalogued: 300, stored: 299 }]);
    // not the platform's prefix: not its to judge
    expect(r.orphans.map((o) => o.key)).toEqual(['dicom/dd/d.dcm', 'results/9/9/v1-r1/seg.dcm']);
    expect(r.recentOrphans).toBe(1);
  });

  it('finds nothing when they agree', () => {
    const r = compareStore(
      [{ key: 'dicom/aa/a.dcm', sha256: 'a', size: 100 }],
      [{ key: 'dicom/aa/a.dcm', size: 100, lastModified: at(1) }],
      now,
    );
    expect(r).toEqual({ missing: [], sizeDiffers: [], orphans: [], recentOrphans: 0 });
  });
});
