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

/** Packs binary frames bit after bit, least significant bit first, frames contiguous (PS3.5 8.1.1). */
function packFrames(frames: Uint8Array[], pixelsPerFrame: number): ArrayBuffer {
  const totalBits = frames.length * pixelsPerFrame;
  const bytes = new Uint8Array(Math.ceil(totalBits / 8) + (Math.ceil(totalBits / 8) % 2));
  let bit = 0;
  for (const frame of frames) {
    for (let p = 0; p < pixelsPerFrame; p++, bit++) if (frame[p]) bytes[bit >> 3] |= 1 << (bit & 7);
  }
  return bytes.buffer;
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
  const [nx, ny, nz] = labels.dims;
  const pixels = nx * ny;
  const dimensionOrganizationUid = newUid();
  const frames: Uint8Array[] = [];
  const perFrame: Record<string, unknown>[] = [];
  const framesPerSegment: Record<number, number> = {};

  segments.forEach((spec, s) => {
    const number = s + 1;
    let count = 0;
    for (let k = 0; k < nz; k++) {
      const slice = labels.data.subarray(k * pixels, (k + 1) * pixels);
      const mask = new Uint8Array(pixels);
      let any = false;
      for (let p = 0; p < pixels; p++)
        if (slice[p] === spec.labelValue) {
          mask[p] = 1;
          any = true;
        }
      const lastChance = k === nz - 1 && count === 0;
      if (!any && !lastChance) continue;
      const src = source.slices[any || !lastChance ? k : 0];
      const kk = any ? k : 0;
      frames.push(any ? mask : new Uint8Array(pixels));
      count++;
      perFrame.push({
        DerivationImageSequence: [
          {
            SourceImageSequence: [
              {
                ReferencedSOPClassUID: src.sopClassUid,
                ReferencedSOPInstanceUID: src.sopInstanceUid,
                PurposeOfReferenceCodeSequence: [
                  codeItem({ value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' }),
                ],
              },
            ],
            DerivationCodeSequence: [codeItem({ value: '113076', scheme: 'DCM', meaning: 'Segmentation' })],
          },
        ],
        FrameContentSequence: [{ DimensionIndexValues: [number, kk + 1] }],
        PlanePositionSequence: [{ ImagePositionPatient: source.slices[kk].imagePositionPatient }],
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: number }],
      });
    }
    framesPerSegment[number] = count;
  });

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
    NumberOfFrames: frames.length,
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
    PerFrameFunctionalGroupsSequence: perFrame,
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: source.seriesInstanceUid,
        ReferencedInstanceSequence: source.slices.map((s) => ({
          ReferencedSOPClassUID: s.sopClassUid,
          ReferencedSOPInstanceUID: s.sopInstanceUid,
        })),
      },
    ],
    PixelData: [packFrames(frames, pixels)],
    _vrMap: { PixelData: 'OB' },
  };
  return { bytes: writeDataset(dataset), sopInstanceUid, seriesInstanceUid, framesPerSegment };
}
