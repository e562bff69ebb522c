// Writes a synthetic chest CT (HU, .nii.gz) for the analyze benchmark: body, two lungs with vessels, trachea,
// ground-glass and consolidation blobs, noise. Usage: node bench/chest-phantom.mjs <out.nii.gz> [nx ny nz]
// Run after `npx tsc -b` (uses the built @mic/dicom).
import { writeFileSync } from 'node:fs';
import { writeNifti } from '../libs/dicom/dist/index.js';

const [out, nx = 512, ny = 512, nz = 300] = [process.argv[2], ...process.argv.slice(3).map(Number)];
if (!out) throw new Error('usage: node bench/chest-phantom.mjs <out.nii.gz> [nx ny nz]');
const sp = [0.7, 0.7, 1.0];
const data = new Int16Array(nx * ny * nz);
let seed = 7;
const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
const cx = (nx * sp[0]) / 2;
const cy = (ny * sp[1]) / 2;
const zc = (nz * sp[2]) / 2;
const lungs = [-1, 1].map((s) => ({ x: cx + s * 75, y: cy + 5, z: zc, rx: 55, ry: 85, rz: zc * 0.9 }));
const blobs = [
  { x: cx - 115, y: cy + 40, z: zc - 40, r: 22, hu: -550 },
  { x: cx + 110, y: cy + 55, z: zc + 30, r: 18, hu: -500 },
  { x: cx + 105, y: cy + 70, z: zc - 60, r: 12, hu: 20 },
];
// vessels: straight tubes from the hila outwards
const vessels = [];
for (const s of [-1, 1])
  for (let t = 0; t < 6; t++) {
    const a = (t / 6) * Math.PI * 2;
    vessels.push({
      x0: cx + s * 40,
      y0: cy,
      z0: zc,
      dx: s * Math.abs(Math.cos(a)) * 60,
      dy: Math.sin(a) * 40,
      dz: Math.cos(a * 2) * 80,
    });
  }
const noise = new Float32Array(4096).map(() => (rand() + rand() + rand() - 1.5) * 40);
let p = 0;
for (let k = 0; k < nz; k++) {
  const z = k * sp[2];
  for (let j = 0; j < ny; j++) {
    const y = j * sp[1];
    for (let i = 0; i < nx; i++, p++) {
      const x = i * sp[0];
      let v = -1000;
      if (((x - cx) / 170) ** 2 + ((y - cy) / 125) ** 2 <= 1) v = 40;
      for (const l of lungs)
        if (((x - l.x) / l.rx) ** 2 + ((y - l.y) / l.ry) ** 2 + ((z - l.z) / l.rz) ** 2 <= 1) {
          v = -850;
          for (const b of blobs) if ((x - b.x) ** 2 + (y - b.y) ** 2 + (z - b.z) ** 2 <= b.r * b.r) v = b.hu;
          for (const w of vessels) {
            const ax = x - w.x0;
            const ay = y - w.y0;
            const az = z - w.z0;
            const len2 = w.dx * w.dx + w.dy * w.dy + w.dz * w.dz;
            const t = Math.max(0, Math.min(1, (ax * w.dx + ay * w.dy + az * w.dz) / len2));
            if ((ax - t * w.dx) ** 2 + (ay - t * w.dy) ** 2 + (az - t * w.dz) ** 2 <= 4) v = 40;
          }
        }
      if ((x - cx) ** 2 + (y - cy + 30) ** 2 <= 81 && z > zc * 0.9) v = -1000; // trachea
      data[p] = v + noise[(p * 7919) & 4095];
    }
  }
}
const vol = { data, dims: [nx, ny, nz], spacing: sp, origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
writeFileSync(out, writeNifti(vol));
console.log(`wrote ${out} (${nx}x${ny}x${nz})`);
