import type { Vec3, Volume } from '@mic/imaging';
import { readHu } from '../decode/hu.js';
import { imageInfo, type FrameInfo, type ImageInfo } from '../parse/image.js';
import { parseDicom, type Dataset, type DicomFile } from '../parse/parse.js';
import { str } from '../parse/values.js';

export interface SeriesVolume {
  volume: Volume<Int16Array | Float32Array>;
  /** SOP Instance UID of each slice (k), and its 1-based frame number within that instance. */
  sopInstanceUids: string[];
  frameNumbers: number[];
  /** Header (dataset without pixel data) of each slice's instance, e.g. for the source references of a SEG. */
  headers: Dataset[];
  /** Problems found (gaps, duplicates, tilt, skipped objects): one line each. */
  warnings: string[];
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  modality: string;
  seriesDescription: string;
  seriesNumber: string;
  patientId: string;
  manufacturer: string;
  transferSyntaxUids: string[];
  /** Number of padding voxels set to PADDING_HU. */
  padded: number;
}

export interface AssembleResult {
  series: SeriesVolume[];
  /** Inputs that are not usable images, with the reason (not DICOM, malformed, no pixel data...). */
  skipped: { name: string; reason: string }[];
}

interface Slice {
  file: DicomFile;
  info: ImageInfo;
  frame: FrameInfo;
  name: string;
  normal: Vec3;
  distance: number;
}

/** Millimetres within which two slice positions count as the same. */
const SAME_POSITION_MM = 0.01;
const NON_IMAGE_MODALITIES = new Set(['SEG', 'SR', 'PR', 'KO', 'RTSTRUCT', 'RTPLAN', 'DOC', 'REG']);

const cross = (a: number[], b: number[]): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const dot = (a: number[], b: number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

export interface AssembleOptions {
  /** Decodes one file to HU (default readHu in this thread); may run elsewhere, calls are issued concurrently. */
  decode?: (file: DicomFile) => Promise<Awaited<ReturnType<typeof readHu>>>;
}

/**
 * Groups files (`file`: already parsed from `bytes`) by SeriesInstanceUID and stacks each series into a volume in LPS, slices sorted along the slice normal
 * (ascending, so for axial head-first-supine slice 0 is the most inferior), slice spacing from the positions.
 */
export async function assembleSeries(
  inputs: { name: string; bytes: Uint8Array; file?: DicomFile }[],
  options: AssembleOptions = {},
): Promise<AssembleResult> {
  const skipped: AssembleResult['skipped'] = [];
  const bySeries = new Map<string, { slices: Slice[]; warnings: string[] }>();
  for (const { name, bytes, file: parsed } of inputs) {
    let file: DicomFile;
    let info: ImageInfo | null;
    try {
      file = parsed ?? parseDicom(bytes);
      info = imageInfo(file);
    } catch (err) {
      skipped.push({ name, reason: err instanceof Error ? err.message : String(err) });
      continue;
    }
    const uid = str(file.dataset, 'SeriesInstanceUID');
    let group = bySeries.get(uid);
    if (!group) bySeries.set(uid, (group = { slices: [], warnings: [] }));
    const modality = str(file.dataset, 'Modality');
    if (!info || NON_IMAGE_MODALITIES.has(modality)) {
      group.warnings.push(`${name}: non-image object (${modality || 'no pixel data'}) ignored`);
      continue;
    }
    if (/LOCALIZER|SCOUT/i.test(str(file.dataset, 'ImageType'))) {
      group.warnings.push(`${name}: localizer ignored`);
      continue;
    }
    for (const frame of info.frames) {
      if (!frame.position || !frame.orientation || !frame.pixelSpacing) {
        group.warnings.push(`${name} frame ${frame.index + 1}: no position, orientation or pixel spacing; ignored`);
        continue;
      }
      const normal = cross(frame.orientation.slice(0, 3), frame.orientation.slice(3));
      group.slices.push({ file, info, frame, name, normal, distance: dot(frame.position, normal) });
    }
  }
  const series: SeriesVolume[] = [];
  for (const [uid, group] of bySeries) {
    if (group.slices.length === 0) {
      skipped.push(...group.warnings.map((w) => ({ name: uid || '(no SeriesInstanceUID)', reason: w })));
      continue;
    }
    series.push(await stack(group.slices, group.warnings, options.decode ?? readHu));
  }
  return { series, skipped };
}

/** The most common value of key(x), and the items that have it. */
function majority<T>(items: T[], key: (x: T) => string): { value: string; kept: T[]; dropped: T[] } {
  const counts = new Map<string, number>();
  for (const x of items) counts.set(key(x), (counts.get(key(x)) ?? 0) + 1);
  const value = [...counts].sort((a, b) => b[1] - a[1])[0][0];
  return { value, kept: items.filter((x) => key(x) === value), dropped: items.filter((x) => key(x) !== value) };
}

async function stack(
  all: Slice[],
  warnings: string[],
  decode: NonNullable<AssembleOptions['decode']>,
): Promise<SeriesVolume> {
  const size = majority(all, (s) => `${s.info.columns}x${s.info.rows}`);
  for (const s of size.dropped)
    warnings.push(`${s.name}: size ${s.info.columns}x${s.info.rows} differs from ${size.value}; ignored`);
  const orient = majority(size.kept, (s) => s.frame.orientation!.map((x) => x.toFixed(4)).join('\\'));
  for (const s of orient.dropped)
    warnings.push(`${s.name}: orientation differs from the series (${orient.value}); ignored`);
  const sorted = orient.kept.sort((a, b) => a.distance - b.distance);
  const slices: Slice[] = [];
  for (const s of sorted) {
    const prev = slices[slices.length - 1];
    if (prev && Math.abs(s.distance - prev.distance) < SAME_POSITION_MM) {
      warnings.push(
        `${s.name}: duplicate position ${s.distance.toFixed(2)} mm along the normal (same as ${prev.name}); ignored`,
      );
      continue;
    }
    slices.push(s);
  }
  const first = slices[0];
  const [rowSpacing, columnSpacing] = first.frame.pixelSpacing!;
  const o = first.frame.orientation!;
  let kDir: Vec3 = first.normal;
  let sliceSpacing = first.frame.sliceThickness ?? 1;
  if (slices.length > 1) {
    const steps = slices.slice(1).map((s, i) => s.distance - slices[i].distance);
    const median = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)];
    steps.forEach((d, i) => {
      if (d > median * 1.5)
        warnings.push(
          `missing slices: gap of ${d.toFixed(2)} mm between ${slices[i].name} and ${slices[i + 1].name} (about ${Math.round(d / median) - 1} missing, spacing ${median.toFixed(3)} mm)`,
        );
      else if (Math.abs(d - median) > Math.max(0.01, median * 0.01))
        warnings.push(
          `uneven slice spacing: ${d.toFixed(3)} mm after ${slices[i].name}, median ${median.toFixed(3)} mm`,
        );
    });
    const last = slices[slices.length - 1];
    const span = [0, 1, 2].map((r) => last.frame.position![r] - first.frame.position![r]);
    const length = Math.hypot(...span);
    sliceSpacing = length / (slices.length - 1);
    kDir = span.map((x) => x / length) as Vec3;
    const tilt = (Math.acos(Math.min(1, Math.abs(dot(kDir, first.normal)))) * 180) / Math.PI;
    if (tilt > 0.01)
      warnings.push(`gantry tilt ${tilt.toFixed(2)} degrees: slices are sheared, the volume axes are not orthogonal`);
  }
  const [nx, ny, nz] = [first.info.columns, first.info.rows, slices.length];
  const files = [...new Set(slices.map((s) => s.file))];
  const frames = await Promise.all(files.map((f) => decode(f)));
  const decoded = new Map(files.map((f, i) => [f, frames[i]]));
  const float = [...decoded.values()].some((h) => h.frames[0] instanceof Float32Array);
  const data = float ? new Float32Array(nx * ny * nz) : new Int16Array(nx * ny * nz);
  slices.forEach((s, k) => data.set(decoded.get(s.file)!.frames[s.frame.index], k * nx * ny));
  const ds = first.file.dataset;
  const text = (k: string) => str(ds, k);
  if (!text('SeriesInstanceUID')) warnings.push('no SeriesInstanceUID: files without one were grouped together');
  return {
    volume: {
      data,
      dims: [nx, ny, nz],
      spacing: [columnSpacing, rowSpacing, sliceSpacing],
      origin: [...first.frame.position!] as Vec3,
      direction: [o[0], o[3], kDir[0], o[1], o[4], kDir[1], o[2], o[5], kDir[2]],
    },
    sopInstanceUids: slices.map((s) => s.file.sopInstanceUid),
    frameNumbers: slices.map((s) => s.frame.index + 1),
    headers: slices.map((s) => s.file.dataset),
    warnings,
    studyInstanceUid: text('StudyInstanceUID'),
    seriesInstanceUid: text('SeriesInstanceUID'),
    frameOfReferenceUid: text('FrameOfReferenceUID'),
    modality: text('Modality'),
    seriesDescription: text('SeriesDescription'),
    seriesNumber: text('SeriesNumber'),
    patientId: text('PatientID'),
    manufacturer: text('Manufacturer'),
    transferSyntaxUids: [...new Set(slices.map((s) => s.file.transferSyntaxUid))],
    padded: [...decoded.values()].reduce((n, h) => n + h.padded, 0),
  };
}
