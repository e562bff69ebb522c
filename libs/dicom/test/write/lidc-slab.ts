import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { dataPath } from '../../../../test/support/data.js';

export interface Slab {
  headers: Record<string, unknown>[];
  dims: [number, number, number];
  hu: Int16Array;
}

/** Reads an LIDC slab (explicit VR LE, uncompressed) with dcmjs: headers and HU, slices sorted by z. */
export function readLidcSlab(patient: string, maxSlices = 6): Slab {
  const dir = dataPath('lidc-partial', patient);
  const files = readdirSync(dir).filter((f) => f.endsWith('.dcm'));
  const headers = files
    .map((f) => {
      const b = readFileSync(join(dir, f));
      const dict = dcmjs.data.DicomMessage.readFile(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
    })
    .sort((a, b) => (a.ImagePositionPatient as number[])[2] - (b.ImagePositionPatient as number[])[2])
    .slice(0, maxSlices);
  const nx = headers[0].Columns as number;
  const ny = headers[0].Rows as number;
  const hu = new Int16Array(nx * ny * headers.length);
  headers.forEach((h, k) => {
    const raw = new Int16Array((h.PixelData as ArrayBuffer[])[0]);
    const slope = Number(h.RescaleSlope ?? 1);
    const intercept = Number(h.RescaleIntercept ?? 0);
    for (let p = 0; p < nx * ny; p++) hu[k * nx * ny + p] = raw[p] * slope + intercept;
  });
  return { headers, dims: [nx, ny, headers.length], hu };
}

export const LABEL = { leftLung: 1, rightLung: 2, ggo: 3, consolidation: 4 } as const;

/**
 * A simple label map: air (< -400 HU) not connected to the image border, split at the middle column into right
 * (image left) and left lung, plus a ground-glass blob and a consolidation blob painted inside each lung.
 */
export function thresholdLabels(slab: Slab): Uint8Array {
  const [nx, ny, nz] = slab.dims;
  const labels = new Uint8Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) {
    const off = k * nx * ny;
    const outside = new Uint8Array(nx * ny);
    const stack: number[] = [];
    for (let x = 0; x < nx; x++) stack.push(x, (ny - 1) * nx + x);
    for (let y = 0; y < ny; y++) stack.push(y * nx, y * nx + nx - 1);
    while (stack.length) {
      const p = stack.pop()!;
      if (outside[p] || slab.hu[off + p] >= -400) continue;
      outside[p] = 1;
      const x = p % nx;
      const y = (p - x) / nx;
      if (x > 0) stack.push(p - 1);
      if (x < nx - 1) stack.push(p + 1);
      if (y > 0) stack.push(p - nx);
      if (y < ny - 1) stack.push(p + nx);
    }
    for (let p = 0; p < nx * ny; p++) {
      if (outside[p] || slab.hu[off + p] >= -400) continue;
      labels[off + p] = p % nx < nx / 2 ? LABEL.rightLung : LABEL.leftLung;
    }
  }
  const blob = (cx: number, cy: number, cz: number, r: number, value: number) => {
    for (let k = 0; k < nz; k++)
      for (let y = cy - r; y <= cy + r; y++)
        for (let x = cx - r; x <= cx + r; x++) {
          const d2 = (x - cx) ** 2 + (y - cy) ** 2 + ((k - cz) * 3) ** 2;
          if (d2 <= r * r) labels[k * nx * ny + y * nx + x] = value;
        }
  };
  const centre = (label: number) => {
    let sx = 0;
    let sy = 0;
    let n = 0;
    const k = Math.floor(nz / 2);
    for (let p = 0; p < nx * ny; p++)
      if (labels[k * nx * ny + p] === label) {
        sx += p % nx;
        sy += Math.floor(p / nx);
        n++;
      }
    if (n === 0) throw new Error(`no voxels of label ${label} in the middle slice`);
    return [Math.round(sx / n), Math.round(sy / n)];
  };
  const [rx, ry] = centre(LABEL.rightLung);
  const [lx, ly] = centre(LABEL.leftLung);
  blob(rx, ry, Math.floor(nz / 2), 8, LABEL.ggo);
  blob(lx, ly, Math.floor(nz / 2), 6, LABEL.consolidation);
  return labels;
}
