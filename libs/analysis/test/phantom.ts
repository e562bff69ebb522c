import type { Vec3, Volume } from '@mic/imaging';

/**
 * A synthetic chest CT with exactly known truth: body, two ellipsoid lungs, trachea and main bronchi, vessels,
 * ground-glass and consolidation blobs (the consolidation against the pleura, with a ground-glass halo), bowel gas
 * below the lungs, Gaussian noise. LPS, identity direction: +i patient left, +j posterior, +k superior.
 */
export interface Phantom {
  hu: Volume<Int16Array>;
  /** 0 background, 1 right lung, 2 left lung (lesions and vessels inside the lungs count as lung). */
  lungs: Uint8Array;
  /** 0 none, 1 GGO, 2 consolidation. */
  lesions: Uint8Array;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Distance from point p to segment a-b. */
function segDist(p: Vec3, a: Vec3, b: Vec3): number {
  const ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
  const ap = [p[0] - a[0], p[1] - a[1], p[2] - a[2]];
  const t = Math.max(
    0,
    Math.min(1, (ap[0] * ab[0] + ap[1] * ab[1] + ap[2] * ab[2]) / (ab[0] ** 2 + ab[1] ** 2 + ab[2] ** 2)),
  );
  return Math.hypot(ap[0] - t * ab[0], ap[1] - t * ab[1], ap[2] - t * ab[2]);
}

export function makePhantom(dims: Vec3 = [128, 100, 72], spacing: Vec3 = [2.5, 2.5, 2.5], noiseSd = 25): Phantom {
  const [nx, ny, nz] = dims;
  const n = nx * ny * nz;
  const hu = new Int16Array(n);
  const lungs = new Uint8Array(n);
  const lesions = new Uint8Array(n);
  const rand = rng(42);
  const cx = ((nx - 1) * spacing[0]) / 2;
  const cy = ((ny - 1) * spacing[1]) / 2;
  const lungC: Vec3[] = [
    [cx - 70, cy, 100],
    [cx + 70, cy, 100],
  ];
  const trachea: [Vec3, Vec3] = [
    [cx, cy - 25, 200],
    [cx, cy - 25, 140],
  ];
  const bronchi: [Vec3, Vec3][] = [
    [trachea[1], [cx - 55, cy - 15, 118]],
    [trachea[1], [cx + 55, cy - 15, 118]],
  ];
  const vessels: [Vec3, Vec3][] = [
    [
      [cx - 70, cy - 20, 60],
      [cx - 60, cy + 10, 150],
    ],
    [
      [cx + 75, cy + 15, 50],
      [cx + 65, cy - 20, 140],
    ],
  ];
  const ggo: { c: Vec3; r: number }[] = [
    { c: [cx - 100, cy + 5, 90], r: 16 },
    { c: [cx + 95, cy - 25, 125], r: 12 },
  ];
  // the halo reaches the pleura; the dense core stays inside the lung contour
  const cons = { c: [cx + 88, cy + 40, 75] as Vec3, r: 14, halo: 5 };
  let p = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++, p++) {
        const x: Vec3 = [i * spacing[0], j * spacing[1], k * spacing[2]];
        const gauss = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
        let v = -1000;
        if (((x[0] - cx) / 150) ** 2 + ((x[1] - cy) / 110) ** 2 <= 1) v = 40;
        const side = [0, 1].find(
          (s) =>
            ((x[0] - lungC[s][0]) / 48) ** 2 + ((x[1] - lungC[s][1]) / 70) ** 2 + ((x[2] - lungC[s][2]) / 80) ** 2 <= 1,
        );
        if (side !== undefined) {
          lungs[p] = side + 1;
          v = -860;
          if (vessels.some(([a, b]) => segDist(x, a, b) <= 3)) v = 40;
          const dg = ggo.map((g) => Math.hypot(x[0] - g.c[0], x[1] - g.c[1], x[2] - g.c[2]) / g.r);
          const dc = Math.hypot(x[0] - cons.c[0], x[1] - cons.c[1], x[2] - cons.c[2]);
          if (dc <= cons.r) {
            v = 25;
            lesions[p] = 2;
          } else if (dc <= cons.r + cons.halo) {
            // dense ground glass around the consolidation
            v = -380;
            lesions[p] = 1;
          } else if (dg.some((d) => d <= 1)) {
            v = -520;
            lesions[p] = 1;
          }
        }
        if (segDist(x, ...trachea) <= 9 || bronchi.some(([a, b]) => segDist(x, a, b) <= 6)) {
          v = -1000;
        }
        // bowel gas below the lungs
        if (Math.hypot(x[0] - cx - 30, x[1] - cy + 20, x[2] - 8) <= 12) v = -1000;
        hu[p] = Math.round(v + noiseSd * gauss);
      }
  return { hu: { data: hu, dims, spacing, origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, lungs, lesions };
}
