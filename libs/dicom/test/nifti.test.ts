import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Volume } from '@mic/imaging';
import { voxelToWorld } from '@mic/imaging';
import { NiftiError, readNifti, readNiftiWithInfo, writeNifti } from '@mic/dicom';
import { dataPath } from '../../../test/support/data.js';

function oblique(): Volume<Int16Array> {
  // A rotation of 30 degrees about z plus a flipped k axis (negative determinant), with anisotropic spacing.
  const c = Math.cos(Math.PI / 6);
  const s = Math.sin(Math.PI / 6);
  const data = new Int16Array(4 * 3 * 2).map((_, i) => i * 37 - 400);
  return {
    data,
    dims: [4, 3, 2],
    spacing: [0.7, 0.8, 2.5],
    origin: [-120.5, 33.25, -80],
    direction: [c, -s, 0, s, c, 0, 0, 0, -1],
  };
}

describe('NIfTI-1', () => {
  it('round-trips data and LPS geometry, gzipped and plain', () => {
    const v = oblique();
    for (const gzip of [true, false]) {
      const bytes = writeNifti(v, { gzip });
      expect(bytes[0] === 0x1f && bytes[1] === 0x8b).toBe(gzip);
      const { volume: back, info } = readNiftiWithInfo(bytes);
      expect(info.source).toBe('sform');
      expect(info.sformCode).toBe(1);
      expect(info.qformCode).toBe(1);
      expect(Array.from(back.data)).toEqual(Array.from(v.data));
      expect(back.data).toBeInstanceOf(Int16Array);
      expect(back.dims).toEqual(v.dims);
      back.spacing.forEach((x, i) => expect(x).toBeCloseTo(v.spacing[i], 5));
      back.origin.forEach((x, i) => expect(x).toBeCloseTo(v.origin[i], 4));
      back.direction.forEach((x, i) => expect(x).toBeCloseTo(v.direction[i], 5));
    }
  });

  it('stores RAS: x and y negated relative to LPS, and the qform agrees with the sform', () => {
    const v = oblique();
    const bytes = writeNifti(v, { gzip: false });
    const { info } = readNiftiWithInfo(bytes);
    const w = voxelToWorld(v, 1, 2, 1);
    const a = info.affineRas;
    const ras = [0, 1, 2].map((r) => a[r][0] * 1 + a[r][1] * 2 + a[r][2] * 1 + a[r][3]);
    expect(ras[0]).toBeCloseTo(-w[0], 3);
    expect(ras[1]).toBeCloseTo(-w[1], 3);
    expect(ras[2]).toBeCloseTo(w[2], 3);
    // Drop the sform code: the reader falls back to the qform, which must give the same geometry.
    const copy = bytes.slice();
    new DataView(copy.buffer).setInt16(254, 0, true);
    const q = readNiftiWithInfo(copy);
    expect(q.info.source).toBe('qform');
    q.volume.direction.forEach((x, i) => expect(x).toBeCloseTo(v.direction[i], 5));
    q.volume.origin.forEach((x, i) => expect(x).toBeCloseTo(v.origin[i], 4));
  });

  it('writes Float32, Uint8, Uint16 and Int32 data', () => {
    for (const data of [
      new Float32Array([1.5, -2.25]),
      new Uint8Array([0, 255]),
      new Uint16Array([7, 65535]),
      new Int32Array([-5, 1e6]),
    ]) {
      const v: Volume = {
        data,
        dims: [2, 1, 1],
        spacing: [1, 1, 1],
        origin: [0, 0, 0],
        direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      };
      const back = readNifti(writeNifti(v));
      expect(back.data.constructor).toBe(data.constructor);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
  });

  it('applies scl_slope/scl_inter', () => {
    const v = oblique();
    const bytes = writeNifti(v, { gzip: false });
    const dv = new DataView(bytes.buffer);
    dv.setFloat32(112, 2, true);
    dv.setFloat32(116, -1, true);
    const back = readNifti(bytes);
    expect(back.data).toBeInstanceOf(Float32Array);
    expect(back.data[3]).toBe(v.data[3] * 2 - 1);
  });

  it('reads the TotalSegmentator label map with the documented RAS affine', () => {
    const { volume, info } = readNiftiWithInfo(readFileSync(dataPath('totalseg-example', 'example_seg_dicom.nii.gz')));
    expect(volume.dims).toEqual([512, 512, 20]);
    expect(info.source).toBe('sform');
    const a = info.affineRas;
    expect(a[0][0]).toBeCloseTo(-0.9766, 4);
    expect(a[1][1]).toBeCloseTo(0.9766, 4);
    expect(a[2][2]).toBeCloseTo(2, 5);
    expect(a[0][3]).toBeCloseTo(249.51, 2);
    expect(a[1][3]).toBeCloseTo(-61.51, 2);
    expect(a[2][3]).toBeCloseTo(-804.5, 4);
    // In LPS the origin has x and y negated.
    expect(volume.origin[0]).toBeCloseTo(-249.51, 2);
    expect(volume.origin[1]).toBeCloseTo(61.51, 2);
    expect(volume.direction).toEqual([1, 0, 0, 0, -1, 0, 0, 0, 1]);
    // Round trip through the writer keeps the labels and the affine.
    const again = readNiftiWithInfo(writeNifti(volume));
    expect(again.volume.data).toEqual(volume.data);
    again.info.affineRas.flat().forEach((x, i) => expect(x).toBeCloseTo(a.flat()[i], 4));
  });

  it('reads an int32 CT volume with HU values', () => {
    const v = readNifti(readFileSync(dataPath('totalseg-example', 'example_ct.nii.gz')));
    expect(v.dims).toEqual([122, 101, 112]);
    let min = Infinity;
    let max = -Infinity;
    for (const x of v.data) {
      if (x < min) min = x;
      if (x > max) max = x;
    }
    expect([min, max]).toEqual([-1207, 3382]);
  });

  it('rejects malformed input with a typed error', () => {
    const good = writeNifti(oblique(), { gzip: false });
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(10), 'TRUNCATED'],
      [new Uint8Array(400), 'NOT_NIFTI'],
      [good.slice(0, good.length - 1), 'TRUNCATED'],
      [gzipSync(good).subarray(0, 100), 'TRUNCATED'],
    ];
    for (const [bytes, code] of cases) {
      let err: unknown;
      try {
        readNifti(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NiftiError);
      expect((err as NiftiError).code).toBe(code);
    }
  });
});
