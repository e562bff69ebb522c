import type { Vec3, Volume } from '@mic/imaging';

/** A 3x4 affine (rows x, y, z; last column the translation) mapping voxel (i, j, k) to world millimetres. */
export type Affine = [number[], number[], number[]];

/** LPS (DICOM) <-> RAS (NIfTI): negate the x and y rows. The same matrix converts both ways. */
export function flipLpsRas(a: Affine): Affine {
  return [a[0].map((v) => -v), a[1].map((v) => -v), [...a[2]]];
}

/** The voxel-to-LPS affine of a volume. */
export function volumeAffine(v: Pick<Volume, 'spacing' | 'origin' | 'direction'>): Affine {
  const d = v.direction;
  const s = v.spacing;
  return [0, 1, 2].map((r) => [d[r * 3] * s[0], d[r * 3 + 1] * s[1], d[r * 3 + 2] * s[2], v.origin[r]]) as Affine;
}

/** Splits a voxel-to-LPS affine into spacing (column norms), unit direction columns and origin. */
export function splitAffine(a: Affine): Pick<Volume, 'spacing' | 'origin' | 'direction'> {
  const spacing = [0, 1, 2].map((c) => Math.hypot(a[0][c], a[1][c], a[2][c]) || 1) as Vec3;
  const direction = [0, 1, 2].flatMap((r) => [0, 1, 2].map((c) => a[r][c] / spacing[c] + 0)) as Volume['direction'];
  return { spacing, direction, origin: [a[0][3], a[1][3], a[2][3]] };
}

/** NIfTI quaternion parameters (b, c, d) and qfac for an orthonormal rotation given as row-major 3x3. */
export function matrixToQuaternion(m: number[]): { b: number; c: number; d: number; qfac: 1 | -1 } {
  const r = [...m];
  const det =
    r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) + r[2] * (r[3] * r[7] - r[4] * r[6]);
  const qfac = det < 0 ? -1 : 1;
  if (qfac < 0) for (const i of [2, 5, 8]) r[i] = -r[i];
  const [r11, r12, r13, r21, r22, r23, r31, r32, r33] = r;
  let a = r11 + r22 + r33 + 1;
  let b: number, c: number, d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) [b, c, d] = [-b, -c, -d];
  }
  return { b, c, d, qfac };
}

/** Row-major rotation from NIfTI quaternion (b, c, d); `qfac` -1 negates the third column. */
export function quaternionToMatrix(b: number, c: number, d: number, qfac: number): number[] {
  let a = 1 - (b * b + c * c + d * d);
  if (a < 1e-7) {
    a = 1 / Math.sqrt(b * b + c * c + d * d);
    b *= a;
    c *= a;
    d *= a;
    a = 0;
  } else a = Math.sqrt(a);
  const z = qfac < 0 ? -1 : 1;
  return [
    a * a + b * b - c * c - d * d,
    2 * (b * c - a * d),
    2 * (b * d + a * c) * z,
    2 * (b * c + a * d),
    a * a + c * c - b * b - d * d,
    2 * (c * d - a * b) * z,
    2 * (b * d - a * c),
    2 * (c * d + a * b),
    (a * a + d * d - c * c - b * b) * z,
  ];
}
