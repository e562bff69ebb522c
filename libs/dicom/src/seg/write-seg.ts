import {
  codeItem,
  dicomDateTime,
  MANUFACTURER,
  newUid,
  patientStudyModules,
  writeDataset,
  type AlgorithmIdentification,
  type PatientStudy,
} from '../write/common.js';
import { CODES, type SegmentKind } from './codes.js';
import { header, perFrameGroups } from './per-frame.js';

export const SEG_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.66.4';

/** One source CT slice, in the order of the label volume's k axis. */
export interface SourceSlice {
  sopClassUid: string;
  sopInstanceUid: string;
  imagePositionPatient: [number, number, number];
}

/** The source CT series a segmentation is derived from. */
export interface SourceSeries extends PatientStudy {
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  imageOrientationPatient: [number, number, number, number, number, number];
  /** Row spacing then column spacing (mm), as in PixelSpacing. */
  pixelSpacing: [number, number];
  sliceThickness?: number;
  spacingBetweenSlices?: number;
  rows: number;
  columns: number;
  slices: SourceSlice[];
}

/** A segment: the label value that marks it in the label volume and what it is. */
export interface SegmentSpec extends SegmentKind {
  labelValue: number;
}

export interface WriteSegInput {
  source: SourceSeries;
  /** Label map, one value per voxel, x fastest then y then slice (the imaging Volume layout). */
  labels: { data: Uint8Array; dims: [number, number, number] };
  segments: SegmentSpec[];
  algorithm: AlgorithmIdentification;
  seriesNumber?: number;
  seriesDescription?: string;
  seriesInstanceUid?: string;
  sopInstanceUid?: string;
  now?: Date;
}

export interface WriteSegResult {
  bytes: Uint8Array;
  sopInstanceUid: string;
  seriesInstanceUid: string;
  /** Frames written per segment number (empty slices are skipped). */
  framesPerSegment: Record<number, number>;
}

export class SegWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegWriteError';
  }
}

function validate(input: WriteSegInput): void {
  const { source, labels, segments } = input;
  const [nx, ny, nz] = labels.dims;
  if (nx !== source.columns || ny !== source.rows || nz !== source.slices.length)
    throw new SegWriteError(
      `label volume ${nx}x${ny}x${nz} does not match the source ${source.columns}x${source.rows}x${source.slices.length}`,
    );
  if (labels.data.length !== nx * ny * nz) throw new SegWriteError('label data length does not match its dims');
  if (segments.length === 0) throw new SegWriteError('no segments to write');
  const values = new Set(segments.map((s) => s.labelValue));
  if (values.size !== segments.length || values.has(0))
    throw new SegWriteError('segment label values must be distinct and non-zero');
}

/** The frames of a binary SEG: one per (segment, slice) holding the segment, in segment then slice order. */
interface Frames {
  /** Segment index and slice k of each frame. */
  list: { s: number; k: number }[];
  /** Bits of all frames, least significant bit first, frames contiguous (PS3.5 8.1.1), padded to an even length. */
  bits: Uint8Array;
}

/**
 * Lays out the frames in two passes over the label volume: which segments each slice holds, then each labelled voxel
 * sets its bit in its frame. A segment with no voxels keeps one empty frame (on slice 0) so it is represented.
 */
function segFrames(labels: Uint8Array, dims: [number, number, number], segments: SegmentSpec[]): Frames {
  const [nx, ny, nz] = dims;
  const pixels = nx * ny;
  const segOf = new Int16Array(256).fill(-1);
  segments.forEach((spec, s) => (segOf[spec.labelValue] = s));
  // Most of a label map is 0: whole zero words are skipped (4 voxels at a time) when the layout allows it.
  const words =
    pixels % 4 === 0 && labels.byteOffset % 4 === 0
      ? new Uint32Array(labels.buffer, labels.byteOffset, labels.length / 4)
      : undefined;
  const step = words ? 4 : 1;
  const present = new Uint8Array(segments.length * nz);
  const seen = new Uint8Array(256);
  for (let k = 0; k < nz; k++) {
    seen.fill(0);
    for (let p = k * pixels; p < (k + 1) * pixels; p += step) {
      if (words && words[p >> 2] === 0) continue;
      for (let q = p; q < p + step; q++) seen[labels[q]] = 1;
    }
    segments.forEach((spec, s) => (present[s * nz + k] = seen[spec.labelValue]));
  }
  const list: Frames['list'] = [];
  const frameOf = new Int32Array(segments.length * nz).fill(-1);
  segments.forEach((_, s) => {
    const first = list.length;
    for (let k = 0; k < nz; k++)
      if (present[s * nz + k]) {
        frameOf[s * nz + k] = list.length;
        list.push({ s, k });
      }
    if (list.length === first) list.push({ s, k: 0 });
  });
  const totalBits = list.length * pixels;
  const bytes = new Uint8Array(Math.ceil(totalBits / 8) + (Math.ceil(totalBits / 8) % 2));
  for (let k = 0; k < nz; k++) {
    const base = k * pixels;
    for (let p = base; p < base + pixels; p += step) {
      if (words && words[p >> 2] === 0) continue;
      for (let q = p; q < p + step; q++) {
        const s = segOf[labels[q]];
        if (s < 0) continue;
        const bit = frameOf[s * nz + k] * pixels + q - base;
        bytes[bit >>> 3] |= 1 << (bit & 7);
      }
    }
  }
  return { list, bits: bytes };
}

function segmentItem(spec: SegmentSpec, number: number, algorithm: AlgorithmIdentification): Record<string, unknown> {
  const type: Record<string, unknown> = codeItem(spec.type);
  if (spec.typeModifier) type.SegmentedPropertyTypeModifierCodeSequence = [codeItem(spec.typeModifier)];
  return {
    SegmentNumber: number,
    SegmentLabel: spec.label,
    SegmentAlgorithmType: 'AUTOMATIC',
    SegmentAlgorithmName: algorithm.name,
    SegmentationAlgorithmIdentificationSequence: [
      {
        AlgorithmFamilyCodeSequence: [codeItem(algorithm.family ?? CODES.artificialIntelligence)],
        AlgorithmName: algorithm.name,
        AlgorithmVersion: algorithm.version,
        ...(algorithm.parameters ? { AlgorithmParameters: algorithm.parameters } : {}),
      },
    ],
    SegmentedPropertyCategoryCodeSequence: [codeItem(spec.category)],
    SegmentedPropertyTypeCodeSequence: [type],
  };
}

/**
 * Writes a binary DICOM Segmentation of a CT series from a label volume. Frames are one per (segment, slice) with
 * at least one voxel; a segment with no voxels keeps one empty frame so that every segment is represented.
 */
export function writeSeg(input: WriteSegInput): WriteSegResult {
  validate(input);
  const { source, labels, segments, algorithm } = input;
  const [nx, ny] = labels.dims;
  const dimensionOrganizationUid = newUid();
  const frames = segFrames(labels.data, labels.dims, segments);
  const framesPerSegment: Record<number, number> = {};
  segments.forEach((_, s) => (framesPerSegment[s + 1] = 0));
  for (const { s } of frames.list) framesPerSegment[s + 1]++;

  const { date, time } = dicomDateTime(input.now ?? new Date());
  const sopInstanceUid = input.sopInstanceUid ?? newUid();
  const seriesInstanceUid = input.seriesInstanceUid ?? newUid();
  const pixelMeasures: Record<string, unknown> = {
    PixelSpacing: source.pixelSpacing,
    SliceThickness: source.sliceThickness ?? source.spacingBetweenSlices ?? 1,
  };
  if (source.spacingBetweenSlices) pixelMeasures.SpacingBetweenSlices = source.spacingBetweenSlices;
  const dataset: Record<string, unknown> = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SEG_SOP_CLASS_UID,
    SOPInstanceUID: sopInstanceUid,
    ...patientStudyModules(source),
    Modality: 'SEG',
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: input.seriesNumber ?? 300,
    SeriesDescription: input.seriesDescription ?? `${algorithm.name} segmentation`,
    FrameOfReferenceUID: source.frameOfReferenceUid,
    PositionReferenceIndicator: '',
    Manufacturer: MANUFACTURER,
    ManufacturerModelName: algorithm.name,
    DeviceSerialNumber: '0',
    SoftwareVersions: algorithm.version,
    InstanceNumber: 1,
    ContentLabel: 'SEGMENTATION',
    ContentDescription: input.seriesDescription ?? `${algorithm.name} segmentation`,
    ContentCreatorName: '',
    ContentDate: date,
    ContentTime: time,
    SeriesDate: date,
    SeriesTime: time,
    ImageType: ['DERIVED', 'PRIMARY'],
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: ny,
    Columns: nx,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    SegmentSequence: segments.map((spec, s) => segmentItem(spec, s + 1, algorithm)),
    NumberOfFrames: frames.list.length,
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: 0x0062000b,
        FunctionalGroupPointer: 0x0062000a,
        DimensionDescriptionLabel: 'Segment Number',
      },
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: 0x00200032,
        FunctionalGroupPointer: 0x00209113,
        DimensionDescriptionLabel: 'Image Position Patient',
      },
    ],
    SharedFunctionalGroupsSequence: [
      {
        PlaneOrientationSequence: [{ ImageOrientationPatient: source.imageOrientationPatient }],
        PixelMeasuresSequence: [pixelMeasures],
      },
    ],
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: source.seriesInstanceUid,
        ReferencedInstanceSequence: source.slices.map((s) => ({
          ReferencedSOPClassUID: s.sopClassUid,
          ReferencedSOPInstanceUID: s.sopInstanceUid,
        })),
      },
    ],
  };
  const appended = [
    perFrameGroups(frames.list, source.slices),
    header(0x7fe0, 0x0010, 'OB', frames.bits.length),
    frames.bits,
  ];
  return {
    bytes: writeDataset(dataset, { firstTag: '52009230', bytes: appended }),
    sopInstanceUid,
    seriesInstanceUid,
    framesPerSegment,
  };
}
