import { describe, expect, it } from '@jest/globals';
import { IDENTITY_DIRECTION, type Vec3, type Volume } from '@mic/imaging';
import { coverageWarnings } from '@mic/analysis';

/** 10 x 10 slices; `area[k]` lung voxels in slice k. */
function lungs(area: number[], direction: Volume['direction'] = IDENTITY_DIRECTION): Volume<Uint8Array> {
  const data = new Uint8Array(100 * area.length);
  area.forEach((n, k) => data.fill(1, 100 * k, 100 * k + n));
  return { data, dims: [10, 10, area.length] as Vec3, spacing: [1, 1, 1], origin: [0, 0, 0], direction };
}

describe('lung coverage of the scan', () => {
  it('names the end the lung runs into, by the direction of the slice axis', () => {
    const up = coverageWarnings(lungs([0, 50, 80, 60]));
    expect(up).toEqual([expect.stringMatching(/^lung in the most superior slice: the apices may be outside/)]);
    const down: Volume['direction'] = [1, 0, 0, 0, 1, 0, 0, 0, -1];
    expect(coverageWarnings(lungs([0, 50, 80, 60], down))).toEqual([
      expect.stringMatching(/^lung in the most inferior slice: the bases may be outside/),
    ]);
    expect(coverageWarnings(lungs([40, 50, 80, 60]))).toHaveLength(2);
  });

  it('says nothing for a covered lung, a speck in an end slice, one slice, or slices that are not axial', () => {
    expect(coverageWarnings(lungs([0, 50, 80, 0]))).toEqual([]);
    expect(coverageWarnings(lungs([1, 50, 80, 0]))).toEqual([]);
    expect(coverageWarnings(lungs([80]))).toEqual([]);
    const coronal: Volume['direction'] = [1, 0, 0, 0, 0, 1, 0, 1, 0];
    expect(coverageWarnings(lungs([40, 50, 80, 60], coronal))).toEqual([]);
  });
});
