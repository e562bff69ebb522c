import {
  analyzeVolume,
  combinedLabels,
  huBandMethod,
  kmeansMethod,
  notAnalysableReason,
  type AnalysisResult,
  type LesionMethod,
} from '@mic/analysis';
import {
  assembleSeries,
  chooseSeries,
  inputNotes,
  sourceSeriesFromHeaders,
  writeNifti,
  type AssembleOptions,
  type DicomFile,
  type SeriesVolume,
  type SourceSeries,
} from '@mic/dicom';

export { combinedLabels, derivedObjects, type DerivedUids } from '@mic/analysis';

export const LESION_METHODS: Record<string, LesionMethod> = { hu: huBandMethod, kmeans: kmeansMethod };

/** One instance of the job: its object key, bytes and, when already parsed, the parsed file. */
export type SourceInput = { name: string; bytes: Uint8Array; file?: DicomFile };

export class AnalysisInputError extends Error {
  readonly code = 'BAD_INPUT';
}

/** Assembles the instances of one series and picks it (by UID, else the one with most slices). */
export async function assembleOne(
  inputs: SourceInput[],
  seriesUid: string,
  options: AssembleOptions = {},
): Promise<SeriesVolume> {
  const { series, skipped } = await assembleSeries(inputs, options);
  if (series.length === 0)
    throw new AnalysisInputError(`no image series in the job's instances${skipped[0] ? `: ${skipped[0].reason}` : ''}`);
  const byUid = series.find((s) => s.seriesInstanceUid === seriesUid);
  const s = byUid ?? chooseSeries(series);
  if (s.frameNumbers.some((f) => f !== 1))
    throw new AnalysisInputError('multi-frame source images are not supported for SEG/SR references');
  return s;
}

export interface SeriesAnalysis {
  series: SeriesVolume;
  source: SourceSeries;
  result: AnalysisResult;
  labels: Uint8Array;
  files: { 'lungs.nii.gz': Uint8Array; 'lesions.nii.gz': Uint8Array };
}

/** Assembles and analyses one series; NIfTI label maps included. No I/O. */
export async function analyseSeries(
  inputs: SourceInput[],
  opts: {
    seriesUid: string;
    method: string;
    onStage?: (stage: string, i: number, n: number) => void;
    decode?: AssembleOptions['decode'];
  },
): Promise<SeriesAnalysis> {
  const method = LESION_METHODS[opts.method];
  if (!method) throw new AnalysisInputError(`unknown lesion method ${opts.method}`);
  const series = await assembleOne(inputs, opts.seriesUid, { decode: opts.decode });
  const result = analyzeVolume(series.volume, { method, onStage: opts.onStage });
  // Not a reading: no negative SEG/SR may go back to the PACS; the reason is recorded with the failed analysis.
  const refused = notAnalysableReason(result);
  if (refused) throw new AnalysisInputError(`${refused}: not analysed`);
  result.report.warnings.unshift(...inputNotes(series));
  return {
    series,
    source: sourceSeriesFromHeaders(series.headers),
    result,
    labels: combinedLabels(result),
    files: { 'lungs.nii.gz': writeNifti(result.lungs), 'lesions.nii.gz': writeNifti(result.lesions) },
  };
}
