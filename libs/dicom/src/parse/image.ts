import type { Vec3 } from '@mic/imaging';
import { DicomError } from './errors.js';
import type { Dataset, DicomFile } from './parse.js';
import { item, num, nums, str } from './values.js';

/** Geometry and rescale of one frame; from the per-frame / shared functional groups in enhanced objects. */
export interface FrameInfo {
  index: number;
  position?: Vec3;
  /** Row direction cosines then column direction cosines (ImageOrientationPatient). */
  orientation?: [number, number, number, number, number, number];
  /** [row spacing (between rows), column spacing (between columns)] in mm. */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
  slope: number;
  intercept: number;
}

export interface ImageInfo {
  rows: number;
  columns: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: 0 | 1;
  samplesPerPixel: number;
  photometricInterpretation: string;
  numberOfFrames: number;
  /** Stored value (or lower end of a range) marking pixels outside the reconstructed field. */
  paddingValue?: number;
  paddingRangeLimit?: number;
  frames: FrameInfo[];
}

/** The pixel description and per-frame geometry of an image, or null for objects without pixel data. */
export function imageInfo(file: DicomFile): ImageInfo | null {
  const ds = file.dataset;
  if (!file.pixelData) return null;
  const rows = num(ds, 'Rows') ?? 0;
  const columns = num(ds, 'Columns') ?? 0;
  const bitsAllocated = num(ds, 'BitsAllocated') ?? 0;
  const bitsStored = num(ds, 'BitsStored') ?? bitsAllocated;
  const pixelRepresentation = num(ds, 'PixelRepresentation') === 1 ? 1 : 0;
  const samplesPerPixel = num(ds, 'SamplesPerPixel') ?? 1;
  const numberOfFrames = num(ds, 'NumberOfFrames') ?? 1;
  if (!(rows > 0 && columns > 0 && rows <= 65535 && columns <= 65535))
    throw new DicomError('BAD_VALUE', `image size ${rows}x${columns}`);
  if (![8, 16, 32].includes(bitsAllocated)) throw new DicomError('BAD_VALUE', `BitsAllocated ${bitsAllocated}`);
  if (!(bitsStored >= 1 && bitsStored <= bitsAllocated)) throw new DicomError('BAD_VALUE', `BitsStored ${bitsStored}`);
  if (!(Number.isInteger(numberOfFrames) && numberOfFrames >= 1 && numberOfFrames <= 100000))
    throw new DicomError('BAD_VALUE', `NumberOfFrames ${numberOfFrames}`);
  const shared = item(ds, 'SharedFunctionalGroupsSequence');
  const perFrame = Array.isArray(ds.PerFrameFunctionalGroupsSequence)
    ? (ds.PerFrameFunctionalGroupsSequence as Dataset[])
    : [];
  const frames: FrameInfo[] = [];
  for (let index = 0; index < numberOfFrames; index++) {
    const groups = [perFrame[index], shared];
    const from = (seq: string) => groups.map((g) => item(g, seq)).find((x) => x) ?? undefined;
    const plane = from('PlanePositionSequence') ?? ds;
    const orient = from('PlaneOrientationSequence') ?? ds;
    const measures = from('PixelMeasuresSequence') ?? ds;
    const rescale = from('PixelValueTransformationSequence') ?? ds;
    const slope = num(rescale, 'RescaleSlope') ?? 1;
    frames.push({
      index,
      position: nums(plane, 'ImagePositionPatient', 3) as Vec3 | undefined,
      orientation: nums(orient, 'ImageOrientationPatient', 6) as FrameInfo['orientation'],
      pixelSpacing: nums(measures, 'PixelSpacing', 2) as [number, number] | undefined,
      sliceThickness: num(measures, 'SliceThickness'),
      slope: slope === 0 ? 1 : slope,
      intercept: num(rescale, 'RescaleIntercept') ?? 0,
    });
  }
  return {
    rows,
    columns,
    bitsAllocated,
    bitsStored,
    highBit: num(ds, 'HighBit') ?? bitsStored - 1,
    pixelRepresentation,
    samplesPerPixel,
    photometricInterpretation: str(ds, 'PhotometricInterpretation'),
    numberOfFrames,
    paddingValue: asStored(num(ds, 'PixelPaddingValue'), bitsAllocated, pixelRepresentation),
    paddingRangeLimit: asStored(num(ds, 'PixelPaddingRangeLimit'), bitsAllocated, pixelRepresentation),
    frames,
  };
}

/**
 * US-or-SS values ("xs") read as unsigned by implicit-VR parsers: reinterpret as signed when the pixels are signed.
 */
function asStored(v: number | undefined, bitsAllocated: number, signed: 0 | 1): number | undefined {
  if (v === undefined) return undefined;
  const half = 2 ** (Math.min(bitsAllocated, 16) - 1);
  return signed && v >= half && v < 2 * half ? v - 2 * half : v;
}
