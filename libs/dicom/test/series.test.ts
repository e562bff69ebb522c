import { describe, expect, it } from '@jest/globals';
import dcmjs from 'dcmjs';
import {
  assembleSeries,
  chooseSeries,
  displayFlips,
  inputNotes,
  isProjection,
  parseDicom,
  slicePlane,
} from '@mic/dicom';
import { dataFile, dataFolder, mismatches } from './support.js';

/** A copy of a DICOM file with some top-level elements (tag -> values) replaced, written back with dcmjs. */
function rewrite(bytes: Uint8Array, changes: Record<string, unknown[]>): Uint8Array {
  const message = dcmjs.data.DicomMessage.readFile(bytes.slice().buffer);
  for (const [tag, values] of Object.entries(changes)) (message.dict[tag] as { Value: unknown[] }).Value = values;
  return new Uint8Array(message.write());
}

/** The LIDC-IDRI-0003 slab: 11 slices, 2.5 mm apart, z = -204 .. -179, sorted inferior to superior. */
function slab(): { name: string; bytes: Uint8Array; z: number }[] {
  return dataFolder('lidc-partial', 'LIDC-IDRI-0003')
    .filter((f) => f.name.endsWith('.dcm'))
    .map((f) => ({ ...f, z: Number(f.name.replace('.dcm', '')) }))
    .sort((a, b) => a.z - b.z);
}

const IPP = '00200032';

describe('series assembly', () => {
  it('stacks the three LIDC slabs by series, spacing from positions, non-DICOM files skipped', async () => {
    const files = ['LIDC-IDRI-0001', 'LIDC-IDRI-0002', 'LIDC-IDRI-0003'].flatMap((d) =>
      dataFolder('lidc-partial', d).map((f) => ({ ...f, name: `${d}/${f.name}` })),
    );
    const { series, skipped } = await assembleSeries(files);
    expect(skipped.every((s) => s.name.endsWith('.xml') && s.reason.startsWith('NOT_DICOM'))).toBe(true);
    const byZ = series
      .map((s) => [s.volume.dims[2], s.volume.spacing[2], s.volume.origin[2]])
      .sort((a, b) => a[2] - b[2]);
    expect(byZ.map(([n]) => n)).toEqual([11, 16, 12]);
    expect(byZ.map(([, s]) => +s.toFixed(4))).toEqual([2.5, 2.5, 1.25]);
    expect(byZ.map(([, , z]) => z)).toEqual([-204, -132.5, -94.5]);
    for (const s of series) {
      expect(s.warnings).toEqual([]);
      expect(s.modality).toBe('CT');
      expect(s.volume.data).toBeInstanceOf(Int16Array);
      expect(s.sopInstanceUids.length).toBe(s.volume.dims[2]);
      expect(new Set(s.sopInstanceUids).size).toBe(s.volume.dims[2]);
      expect(s.frameOfReferenceUid).not.toBe('');
    }
  });

  it('orders slices along the normal whatever the input order, keeping each SOP UID with its slice', async () => {
    const files = slab();
    const { series } = await assembleSeries([...files].reverse());
    const uids = files.map((f) => parseDicom(f.bytes).sopInstanceUid);
    expect(series[0].sopInstanceUids).toEqual(uids);
    // Slice k holds the pixels of the k-th most inferior file.
    const alone = await assembleSeries([files[3]]);
    const n = 512 * 512;
    expect(mismatches(series[0].volume.data.subarray(3 * n, 4 * n), alone.series[0].volume.data)).toBe(0);
  });

  it('reports missing slices', async () => {
    const files = slab().filter((_, i) => i !== 4 && i !== 5);
    const s = (await assembleSeries(files)).series[0];
    expect(s.volume.dims[2]).toBe(9);
    expect(s.warnings.some((w) => /missing slices: gap of 7.50 mm .*about 2 missing/.test(w))).toBe(true);
  });

  it('reports and drops duplicate positions', async () => {
    const files = slab();
    const copy = rewrite(files[2].bytes, { '00080018': ['1.2.3.4.5.6.7.8.9'] });
    const s = (await assembleSeries([...files, { name: 'copy.dcm', bytes: copy }])).series[0];
    expect(s.volume.dims[2]).toBe(11);
    expect(s.warnings.filter((w) => w.includes('duplicate position')).length).toBe(1);
  });

  it('reports gantry tilt and keeps world positions with a sheared k axis', async () => {
    const shift = Math.tan((15 * Math.PI) / 180) * 2.5;
    const files = slab().map((f, k) => {
      const ipp = parseDicom(f.bytes).dataset.ImagePositionPatient as number[];
      return { name: f.name, bytes: rewrite(f.bytes, { [IPP]: [ipp[0], ipp[1] + k * shift, ipp[2]] }) };
    });
    const s = (await assembleSeries(files)).series[0];
    expect(s.warnings.some((w) => /gantry tilt 15.00 degrees/.test(w))).toBe(true);
    const v = s.volume;
    // Last slice origin = first origin + (n - 1) * spacing * k direction.
    const last = [0, 1, 2].map((r) => v.origin[r] + v.direction[r * 3 + 2] * v.spacing[2] * 10);
    expect(last[1]).toBeCloseTo(v.origin[1] + 10 * shift, 3);
    expect(last[2]).toBeCloseTo(-179, 3);
  });

  it('ignores localizers, other sizes and other orientations with a warning', async () => {
    const files = slab();
    const odd = [
      {
        name: 'localizer.dcm',
        bytes: rewrite(files[0].bytes, { '00080008': ['ORIGINAL', 'PRIMARY', 'LOCALIZER'], '00080018': ['1.2.9.1'] }),
      },
      {
        name: 'small.dcm',
        bytes: rewrite(files[1].bytes, { '00280011': [256], [IPP]: [0, 0, 500], '00080018': ['1.2.9.2'] }),
      },
      {
        name: 'sagittal.dcm',
        bytes: rewrite(files[2].bytes, { '00200037': [0, 1, 0, 0, 0, -1], '00080018': ['1.2.9.3'] }),
      },
    ];
    const s = (await assembleSeries([...files, ...odd])).series[0];
    expect(s.volume.dims[2]).toBe(11);
    expect(s.warnings.some((w) => w.startsWith('localizer.dcm: localizer'))).toBe(true);
    expect(s.warnings.some((w) => w.startsWith('small.dcm: size 256x512'))).toBe(true);
    expect(s.warnings.some((w) => w.startsWith('sagittal.dcm: orientation differs'))).toBe(true);
  });

  it('chooses the CT series with most slices and says what it left aside, in a few lines', async () => {
    const gap = slab().filter((_, i) => i !== 4);
    const two = dataFolder('lidc-partial', 'LIDC-IDRI-0002').filter((f) => f.name.endsWith('.dcm'));
    const truncated = { name: 'cut.dcm', bytes: two[0].bytes.slice(0, 2000) };
    const xml = dataFolder('lidc-partial', 'LIDC-IDRI-0002').find((f) => f.name.endsWith('.xml'))!;
    const all = await assembleSeries([...gap, ...two.slice(1, 4), truncated, xml]);
    const chosen = chooseSeries(all.series);
    expect(chosen.volume.dims[2]).toBe(10);
    const notes = inputNotes(chosen, all);
    expect(notes.every((n) => n.startsWith('input: '))).toBe(true);
    expect(notes.some((n) => /missing slices: gap of 5.00 mm/.test(n))).toBe(true);
    expect(
      notes.some((n) => /2 image series; analysed series .*\(10 slices\), not series .*\(3 slices\)/.test(n)),
    ).toBe(true);
    expect(notes.some((n) => n.startsWith('input: cut.dcm: not read'))).toBe(true);
    // A folder's non-DICOM files are not worth a line.
    expect(notes.some((n) => n.includes('.xml'))).toBe(false);
    // A modality other than CT loses to CT whatever its length; a series with a problem on every slice stays short.
    const mr = {
      ...chosen,
      modality: 'MR',
      volume: { ...chosen.volume, dims: [512, 512, 99] as [number, number, number] },
    };
    expect(chooseSeries([mr, chosen])).toBe(chosen);
    // A longer coronal reformat or MIP of the same scan loses to the axial series of tissue.
    const dims = [512, 512, 300] as [number, number, number];
    const coronal = { ...chosen, volume: { ...chosen.volume, dims, direction: [1, 0, 0, 0, 0, 1, 0, -1, 0] } };
    const mip = {
      ...chosen,
      volume: { ...chosen.volume, dims },
      headers: [{ ...chosen.headers[0], ImageType: ['DERIVED', 'SECONDARY', 'MIP'] }],
    };
    expect(chooseSeries([coronal as typeof chosen, mip, chosen])).toBe(chosen);
    expect(chooseSeries([coronal as typeof chosen, mip])).toBe(coronal);
    const noisy = { ...chosen, warnings: Array.from({ length: 30 }, (_, i) => `uneven slice spacing ${i}`) };
    expect(inputNotes(noisy)).toHaveLength(11);
    expect(inputNotes(noisy)[10]).toBe('input: and 20 more');
  });

  it('lists non-image objects (SR) as skipped', async () => {
    const sr = dataFile('pydicom-testfiles', 'pydicom', 'test-SR.dcm');
    const { series, skipped } = await assembleSeries([{ name: 'sr.dcm', bytes: sr }]);
    expect(series).toEqual([]);
    expect(skipped.some((s) => /non-image object/.test(s.reason))).toBe(true);
  });

  it('assembles the 255-slice JPEG lossless RICORD series', async () => {
    const files = dataFolder('ricord-1a-419639-000082', 'dicom');
    const { series, skipped } = await assembleSeries(files);
    expect(skipped).toEqual([]);
    expect(series.length).toBe(1);
    const s = series[0];
    expect(s.seriesInstanceUid).toBe('1.2.826.0.1.3680043.10.474.419639.403650391453800318566197197100');
    expect(s.volume.dims).toEqual([512, 512, 255]);
    expect(s.volume.spacing[0]).toBeCloseTo(0.703125, 6);
    expect(s.volume.spacing[2]).toBeCloseTo(1.25, 6);
    expect(s.volume.origin[2]).toBeCloseTo(-349.25, 4);
    expect(s.warnings).toEqual([]);
    // Slice 0 is the most inferior (1-255.dcm), the last the most superior (1-001.dcm).
    const uidOf = (name: string) => parseDicom(files.find((f) => f.name === name)!.bytes).sopInstanceUid;
    expect(s.sopInstanceUids[0]).toBe(uidOf('1-255.dcm'));
    expect(s.sopInstanceUids[254]).toBe(uidOf('1-001.dcm'));
    // PixelPaddingValue -2000 (outside the field of view) reads as PADDING_HU, never -3024.
    expect(s.padded).toBeGreaterThan(0);
    let min = Infinity;
    for (const v of s.volume.data) if (v < min) min = v;
    expect(min).toBe(-1024);
  });
});

describe('slice plane and projections', () => {
  it('names the plane by the slice normal, a gantry tilt staying axial', () => {
    expect(slicePlane([1, 0, 0, 0, 1, 0])).toBe('axial');
    expect(slicePlane('1\\0\\0\\0\\0\\-1')).toBe('coronal');
    expect(slicePlane([0, 1, 0, 0, 0, -1])).toBe('sagittal');
    const t = (25 * Math.PI) / 180;
    expect(slicePlane([1, 0, 0, 0, Math.cos(t), Math.sin(t)])).toBe('axial');
    const h = Math.SQRT1_2;
    expect(slicePlane([1, 0, 0, 0, h, h])).toBe('oblique');
    expect(slicePlane(undefined)).toBeNull();
    expect(slicePlane([1, 0, 0])).toBeNull();
    expect(slicePlane([1, 0, 0, 1, 0, 0])).toBeNull();
  });

  it('tells projections from slices of tissue', () => {
    expect(isProjection(['DERIVED', 'SECONDARY', 'MIP'], '')).toBe(true);
    expect(isProjection('DERIVED\\SECONDARY\\MINIP', undefined)).toBe(true);
    expect(isProjection('ORIGINAL\\PRIMARY\\AXIAL', 'Thorax MIP 8mm')).toBe(true);
    expect(isProjection('ORIGINAL\\PRIMARY\\AXIAL', 'Lung 1.0 B70f')).toBe(false);
    expect(isProjection(undefined, 'Chest multiple')).toBe(false);
  });

  it('finds the flips that bring a slice to display order', () => {
    const none = { columns: false, rows: false };
    expect(displayFlips([1, 0, 0, 0, 1, 0])).toEqual(none); // supine axial
    expect(displayFlips([-1, 0, 0, 0, -1, 0])).toEqual({ columns: true, rows: true }); // prone axial
    expect(displayFlips('1\\0\\0\\0\\0\\-1')).toEqual(none); // coronal, rows going down
    expect(displayFlips([1, 0, 0, 0, 0, 1])).toEqual({ columns: false, rows: true });
    expect(displayFlips([0, 1, 0, 0, 0, -1])).toEqual(none); // sagittal, anterior on the left
    expect(displayFlips([0, -1, 0, 0, 0, -1])).toEqual({ columns: true, rows: false });
    expect(displayFlips(undefined)).toEqual(none);
  });
});
