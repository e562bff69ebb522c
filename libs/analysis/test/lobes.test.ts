import { describe, expect, it } from '@jest/globals';
import { LOBE_LABELS, lobarSeverity } from '@mic/analysis';
import type { Volume } from '@mic/imaging';

const grid = (data: Uint8Array): Volume<Uint8Array> => ({
  data,
  dims: [10, 10, 5],
  spacing: [2, 2, 2.5],
  origin: [0, 0, 0],
  direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
});

describe('lobarSeverity (25-point score)', () => {
  it('scores each lobe by its involved share and sums to at most 25', () => {
    const ids = LOBE_LABELS['totalseg-v2'];
    const lobes = new Uint8Array(500);
    const lesions = new Uint8Array(500);
    // 100 voxels per lobe; right upper 3 % GGO, left lower 60 % (half consolidation), others clear
    const order = ['right-upper', 'right-middle', 'right-lower', 'left-upper', 'left-lower'] as const;
    order.forEach((name, s) => lobes.fill(ids[name], s * 100, s * 100 + 100));
    lesions.fill(1, 0, 3);
    lesions.fill(1, 400, 430);
    lesions.fill(2, 430, 460);
    const r = lobarSeverity(grid(lobes), grid(lesions), 'totalseg-v2');
    const by = Object.fromEntries(r.lobes.map((l) => [l.name, l]));
    expect(by['right-upper'].involvementPercent).toBe(3);
    expect(by['right-upper'].score).toBe(1);
    expect(by['left-lower'].involvementPercent).toBe(60);
    expect(by['left-lower'].score).toBe(4);
    expect(by['left-lower'].consolidationMl).toBe(0.3);
    expect(by['right-middle'].score).toBe(0);
    expect(by['right-middle'].volumeMl).toBe(1);
    expect(r.total).toBe(5);
    expect(r.max).toBe(25);
  });

  it('ignores labels that are not lobes and refuses maps of another size', () => {
    const lobes = new Uint8Array(500).fill(99);
    const r = lobarSeverity(grid(lobes), grid(new Uint8Array(500).fill(1)), 'plain');
    expect(r.lobes.every((l) => l.volumeMl === 0 && l.score === 0)).toBe(true);
    const small: Volume<Uint8Array> = { ...grid(new Uint8Array(10)), dims: [10, 1, 1] };
    expect(() => lobarSeverity(small, grid(new Uint8Array(500)), 'plain')).toThrow(/differ/);
  });
});
