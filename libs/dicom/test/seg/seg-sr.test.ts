import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot } from '../../../../test/support/data.js';
import { dciodvfy } from '../../../../test/support/dciodvfy.js';
import dcmjs from 'dcmjs';
import { readLidcSlab, thresholdLabels, LABEL, type Slab } from '../write/lidc-slab.js';
import { CODES, SEGMENT_KINDS, sourceSeriesFromHeaders, writeSeg, type SegmentSpec } from '../../src/seg/index.js';
import { TYPICALITY, writeSr } from '../../src/sr/index.js';

export const SEGMENTS: SegmentSpec[] = [
  { ...SEGMENT_KINDS.leftLung, labelValue: LABEL.leftLung },
  { ...SEGMENT_KINDS.rightLung, labelValue: LABEL.rightLung },
  { ...SEGMENT_KINDS.groundGlassOpacity, labelValue: LABEL.ggo },
  { ...SEGMENT_KINDS.consolidation, labelValue: LABEL.consolidation },
];
const ALGORITHM = { name: 'mic-covid', version: '0.1.0' };

function read(bytes: Uint8Array): Record<string, any> {
  const copy = Uint8Array.from(bytes);
  const dict = dcmjs.data.DicomMessage.readFile(copy.buffer);
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict) as Record<string, any>;
}

export function volumeMl(labels: Uint8Array, value: number, voxelMl: number): number {
  let n = 0;
  for (const v of labels) if (v === value) n++;
  return n * voxelMl;
}

export interface Written {
  dir: string;
  slab: Slab;
  labels: Uint8Array;
  seg: ReturnType<typeof writeSeg>;
  sr: ReturnType<typeof writeSr>;
  volumes: number[];
}

const CHANGE = 'Since the CT 7 days before: progression. Involvement 4 % -> 15 % (+11 points; margin 3).';

export function writeLidcSegAndSr(): Written {
  const slab = readLidcSlab('LIDC-IDRI-0001', 6);
  const labels = thresholdLabels(slab);
  const source = sourceSeriesFromHeaders(slab.headers);
  const seg = writeSeg({ source, labels: { data: labels, dims: slab.dims }, segments: SEGMENTS, algorithm: ALGORITHM });
  const voxelMl = (source.pixelSpacing[0] * source.pixelSpacing[1] * source.spacingBetweenSlices!) / 1000;
  const volumes = SEGMENTS.map((s) => volumeMl(labels, s.labelValue, voxelMl));
  const sr = writeSr({
    source,
    seg,
    measurements: {
      segments: SEGMENTS.map((s, i) => ({
        segmentNumber: i + 1,
        label: s.label,
        finding: s.type,
        findingSite: s.typeModifier,
        volumeMl: volumes[i],
        percentOfLung: (100 * volumes[i]) / (volumes[0] + volumes[1]),
        severityScore: i + 1,
      })),
      severityScore: 7,
      typicality: TYPICALITY.typical,
      changeSincePrior: CHANGE,
    },
    algorithm: ALGORITHM,
  });
  const dir = mkdtempSync(join(tmpdir(), 'mic-seg-'));
  writeFileSync(join(dir, 'seg.dcm'), seg.bytes);
  writeFileSync(join(dir, 'sr.dcm'), sr.bytes);
  return { dir, slab, labels, seg, sr, volumes };
}

describe('SEG and SR for an LIDC slab', () => {
  let w: Written;
  beforeAll(() => {
    w = writeLidcSegAndSr();
  });

  it('pass dciodvfy with no errors', () => {
    for (const f of ['seg.dcm', 'sr.dcm']) {
      const { errors, warnings } = dciodvfy(join(w.dir, f));
      expect(errors).toEqual([]);
      // Only DICOMDIR hints (the LIDC source has no Study Time/ID) and the project's private coding scheme remain.
      for (const line of warnings) expect(line).toMatch(/DICOMDIR|99MIC/);
    }
  });

  it('SEG reads back with dcmjs: segments, codes, frames and pixels', () => {
    const ds = read(w.seg.bytes);
    expect(ds.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.66.4');
    expect(ds.FrameOfReferenceUID).toBe(w.slab.headers[0].FrameOfReferenceUID);
    expect(ds.SegmentSequence.map((s: any) => s.SegmentLabel)).toEqual(SEGMENTS.map((s) => s.label));
    expect(
      ds.SegmentSequence[0].SegmentedPropertyTypeCodeSequence.CodeValue ??
        ds.SegmentSequence[0].SegmentedPropertyTypeCodeSequence[0].CodeValue,
    ).toBe(CODES.lung.value);
    const [nx, ny, nz] = w.slab.dims;
    const frames = ds.PerFrameFunctionalGroupsSequence as any[];
    expect(ds.NumberOfFrames).toBe(frames.length);
    const bits = new Uint8Array(ds.PixelData[0]);
    const z = w.slab.headers.map((h: any) => h.ImagePositionPatient[2]);
    const expected = new Uint8Array(nx * ny * nz);
    let mismatches = 0;
    frames.forEach((f, i) => {
      const seg = (f.SegmentIdentificationSequence[0] ?? f.SegmentIdentificationSequence).ReferencedSegmentNumber;
      const pos = (f.PlanePositionSequence[0] ?? f.PlanePositionSequence).ImagePositionPatient;
      const k = z.indexOf(pos[2]);
      expect(k).toBeGreaterThanOrEqual(0);
      for (let p = 0; p < nx * ny; p++) {
        const bit = i * nx * ny + p;
        const on = (bits[bit >> 3] >> (bit & 7)) & 1;
        if (on) expected[k * nx * ny + p] = SEGMENTS[seg - 1].labelValue;
      }
    });
    for (let v = 0; v < expected.length; v++) if (expected[v] !== w.labels[v]) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('SR reads back with dcmjs: measurement groups and values', () => {
    const ds = read(w.sr.bytes);
    expect(ds.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.88.34');
    const list = (v: any) => (Array.isArray(v) ? v : [v]);
    const measurements = list(ds.ContentSequence).find(
      (c: any) => list(c.ConceptNameCodeSequence)[0].CodeValue === '126010',
    );
    const groups = list(measurements.ContentSequence);
    expect(groups).toHaveLength(5);
    groups.slice(0, 4).forEach((g: any, i: number) => {
      const items = list(g.ContentSequence);
      const volume = items.find((c: any) => list(c.ConceptNameCodeSequence)[0].CodeValue === '118565006');
      const mv = list(volume.MeasuredValueSequence)[0];
      expect(Number(mv.NumericValue)).toBeCloseTo(w.volumes[i], 3);
      expect(list(mv.MeasurementUnitsCodeSequence)[0].CodeValue).toBe('ml');
      const seg = items.find((c: any) => c.ValueType === 'IMAGE');
      expect(list(seg.ReferencedSOPSequence)[0].ReferencedSegmentNumber).toBe(i + 1);
    });
    expect(w.volumes.every((v) => v > 0)).toBe(true);
    // the change since the prior CT, as text under Qualitative Evaluations after the measurements
    const root = list(ds.ContentSequence);
    const evaluations = root.find((c) => list(c.ConceptNameCodeSequence)[0].CodeValue === 'C0034375');
    expect(root.indexOf(evaluations)).toBe(root.indexOf(measurements) + 1);
    const [change] = list(evaluations.ContentSequence);
    expect(list(change.ConceptNameCodeSequence)[0]).toMatchObject({
      CodeValue: 'MIC004',
      CodingSchemeDesignator: '99MIC',
    });
    expect(change).toMatchObject({ ValueType: 'TEXT', RelationshipType: 'CONTAINS', TextValue: CHANGE });
  });

  it('reads back in pydicom + highdicom: segment labels and codes, frames, pixels, SR volumes', () => {
    const venv = join(process.env.MIC_CACHE_DIR ?? join(homedir(), '.cache', 'mic'), 'venv', 'bin', 'python');
    if (!existsSync(venv))
      throw new Error(`Python venv missing at ${venv}: run scripts/setup.d/python.sh (pydicom, highdicom, numpy)`);
    const labelsPath = join(w.dir, 'labels.u8');
    writeFileSync(labelsPath, w.labels);
    const source = sourceSeriesFromHeaders(w.slab.headers);
    const expectedPath = join(w.dir, 'expected.json');
    writeFileSync(
      expectedPath,
      JSON.stringify({ labelsPath, sourceInstanceUids: source.slices.map((s) => s.sopInstanceUid) }),
    );
    const script = resolve(repoRoot, 'libs/dicom/test/python/read_seg_sr.py');
    const out = execFileSync(venv, [script, join(w.dir, 'seg.dcm'), join(w.dir, 'sr.dcm'), expectedPath], {
      encoding: 'utf8',
    });
    const got = JSON.parse(out);
    expect(got.segments.map((s: { label: string }) => s.label)).toEqual(SEGMENTS.map((s) => s.label));
    expect(got.segments.map((s: { type: string }) => s.type)).toEqual(SEGMENTS.map((s) => s.type.value));
    expect(got.segments[2].category).toBe(CODES.morphologicallyAbnormalStructure.value);
    expect(got.segments[0].algorithm).toBe(ALGORITHM.name);
    expect(got.frames).toBe(Object.values(w.seg.framesPerSegment).reduce((a, b) => a + b, 0));
    expect(got.pixelMismatches).toBe(0);
    expect(got.labelledVoxels).toBe(w.labels.filter((v) => v > 0).length);
    expect(got.srClass).toBe('1.2.840.10008.5.1.4.1.1.88.34');
    expect(got.groups).toHaveLength(4);
    got.groups.forEach((g: { volume: number; unit: string; segment: number; tracking: string }, i: number) => {
      expect(g.volume).toBeCloseTo(w.volumes[i], 3);
      expect(g.unit).toBe('ml');
      expect(g.segment).toBe(i + 1);
      expect(g.tracking).toBe(SEGMENTS[i].label);
    });
  });
});
