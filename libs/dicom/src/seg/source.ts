import type { SourceSeries } from './write-seg.js';

type Header = Record<string, unknown>;

function str(h: Header, key: string): string | undefined {
  const v = h[key];
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  if (typeof v === 'object') return (v as { Alphabetic?: string }).Alphabetic;
  return String(v);
}

function nums(h: Header, key: string, n: number): number[] {
  const v = h[key];
  const arr = (Array.isArray(v) ? v : [v]).map(Number);
  if (arr.length !== n || arr.some((x) => !Number.isFinite(x))) throw new RangeError(`${key} must have ${n} numbers`);
  return arr;
}

/**
 * The SourceSeries of a CT series from its slices' naturalised headers (dcmjs naming), sorted along the slice
 * normal so that index k matches a label volume built in the same order.
 */
export function sourceSeriesFromHeaders(headers: Header[]): SourceSeries {
  if (headers.length === 0) throw new RangeError('no source slices');
  const first = headers[0];
  const iop = nums(first, 'ImageOrientationPatient', 6) as SourceSeries['imageOrientationPatient'];
  const normal = [
    iop[1] * iop[5] - iop[2] * iop[4],
    iop[2] * iop[3] - iop[0] * iop[5],
    iop[0] * iop[4] - iop[1] * iop[3],
  ];
  const along = (h: Header) => {
    const p = nums(h, 'ImagePositionPatient', 3);
    return p[0] * normal[0] + p[1] * normal[1] + p[2] * normal[2];
  };
  const sorted = [...headers].sort((a, b) => along(a) - along(b));
  const gap = sorted.length > 1 ? Math.abs(along(sorted[1]) - along(sorted[0])) : undefined;
  return {
    patientName: str(first, 'PatientName'),
    patientId: str(first, 'PatientID'),
    patientBirthDate: str(first, 'PatientBirthDate'),
    patientSex: str(first, 'PatientSex'),
    studyInstanceUid: str(first, 'StudyInstanceUID') ?? '',
    studyDate: str(first, 'StudyDate'),
    studyTime: str(first, 'StudyTime'),
    studyId: str(first, 'StudyID'),
    accessionNumber: str(first, 'AccessionNumber'),
    referringPhysicianName: str(first, 'ReferringPhysicianName'),
    seriesInstanceUid: str(first, 'SeriesInstanceUID') ?? '',
    frameOfReferenceUid: str(first, 'FrameOfReferenceUID') ?? '',
    imageOrientationPatient: iop,
    pixelSpacing: nums(first, 'PixelSpacing', 2) as [number, number],
    sliceThickness: Number(str(first, 'SliceThickness')) || undefined,
    spacingBetweenSlices: gap,
    rows: Number(str(first, 'Rows')),
    columns: Number(str(first, 'Columns')),
    slices: sorted.map((h) => ({
      sopClassUid: str(h, 'SOPClassUID') ?? '',
      sopInstanceUid: str(h, 'SOPInstanceUID') ?? '',
      imagePositionPatient: nums(h, 'ImagePositionPatient', 3) as [number, number, number],
    })),
  };
}
