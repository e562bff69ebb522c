import { combinedLabels, derivedObjects, type AnalysisResult } from '@mic/analysis';
import { sourceSeriesFromHeaders, type SeriesVolume } from '@mic/dicom';

/**
 * DICOM SEG (right lung, left lung, GGO, consolidation) and Comprehensive 3D SR (volumes, involvement, severity,
 * typicality, algorithm) of an analysis of a single-frame DICOM series.
 */
export function dicomOutputs(
  series: SeriesVolume,
  r: AnalysisResult,
  changeSincePrior?: string,
): { seg: Uint8Array; sr: Uint8Array } {
  if (series.frameNumbers.some((f) => f !== 1))
    throw new Error('multi-frame source images are not supported for SEG/SR references');
  return derivedObjects(sourceSeriesFromHeaders(series.headers), combinedLabels(r), {
    report: r.report,
    dims: r.lungs.dims,
    changeSincePrior,
  });
}
