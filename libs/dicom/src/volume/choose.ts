import { isReformat, patientAxes } from '@mic/imaging';
import type { AssembleResult, SeriesVolume } from './assemble.js';
import { isProjection } from './plane.js';

/** Lines of one kind kept in a report before the rest are counted (a series can have a problem on every slice). */
const MAX_LINES = 10;

const label = (s: SeriesVolume) =>
  `series ${s.seriesNumber || '?'}${s.seriesDescription ? ` "${s.seriesDescription}"` : ''} (${s.volume.dims[2]} slices)`;

/**
 * The series to analyse among several: CT before other modalities, slices of tissue before projections (MIP, MinIP),
 * axial slices before coronal or sagittal reformats, then the one with most slices.
 */
export function chooseSeries(series: SeriesVolume[]): SeriesVolume {
  if (series.length === 0) throw new RangeError('no series to choose from');
  const rank = (s: SeriesVolume) => {
    const h = s.headers[0] ?? {};
    return [
      s.modality === 'CT' ? 1 : 0,
      isProjection(h.ImageType, h.SeriesDescription) ? 0 : 1,
      isReformat(patientAxes(s.volume.direction)) ? 0 : 1,
      s.volume.dims[2],
    ];
  };
  const better = (a: number[], b: number[]) => {
    for (let t = 0; t < a.length; t++) if (a[t] !== b[t]) return a[t] > b[t];
    return false;
  };
  return series.reduce((a, b) => (better(rank(b), rank(a)) ? b : a));
}

function capped(lines: string[]): string[] {
  return lines.length <= MAX_LINES ? lines : [...lines.slice(0, MAX_LINES), `and ${lines.length - MAX_LINES} more`];
}

/**
 * What a report should say about its input, one line each, prefixed `input:`: the chosen series' own problems
 * (missing slices, tilt, files left out of it), the other image series not analysed, and files that look like DICOM
 * but could not be read. Files that are not DICOM and objects without an image are not mentioned: folders hold them.
 */
export function inputNotes(chosen: SeriesVolume, all: AssembleResult = { series: [chosen], skipped: [] }): string[] {
  const out = capped(chosen.warnings);
  const others = all.series.filter((s) => s !== chosen);
  if (others.length)
    out.push(`${all.series.length} image series; analysed ${label(chosen)}, not ${others.map(label).join(', ')}`);
  const unread = all.skipped.filter((s) => !/^NOT_DICOM|non-image object/.test(s.reason));
  out.push(...capped(unread.map((s) => `${s.name}: not read (${s.reason})`)));
  return out.map((line) => `input: ${line}`);
}
