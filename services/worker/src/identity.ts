import { createHash } from 'node:crypto';
import type { SourceSeries } from '@mic/dicom';
import type { DerivedUids } from './analyse.js';

/**
 * A UID under the 2.25 root derived from its parts: the same study, series, analysis version and revision always
 * give the same SEG/SR UIDs, so sending a result again replaces the same instance instead of adding one.
 */
export function derivedUid(...parts: (string | number)[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return `2.25.${BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString(10)}`;
}

export function derivedUids(
  studyUid: string,
  seriesUid: string,
  analysisVersion: string,
  revision: number,
): DerivedUids {
  const u = (what: string) => derivedUid('mic-result', studyUid, seriesUid, analysisVersion, revision, what);
  return { segSopUid: u('seg'), segSeriesUid: u('seg-series'), srSopUid: u('sr'), srSeriesUid: u('sr-series') };
}

/** The pseudonymous UIDs a result references (study, series, frame of reference, each source image). */
export function referencedUids(source: SourceSeries): string[] {
  return [
    source.studyInstanceUid,
    source.seriesInstanceUid,
    source.frameOfReferenceUid,
    ...source.slices.map((s) => s.sopInstanceUid),
  ].filter(Boolean);
}

export interface OriginalPatient {
  patientId: string;
  patientName: string;
  dateOffsetDays: number | null;
}

/**
 * What the original study says of itself, read from the PACS the result goes back to: the de-identified copy has none
 * of it, and the hospital's worklist files results by these. Absent values stay absent.
 */
export type OriginalStudy = Partial<
  Pick<
    SourceSeries,
    | 'accessionNumber'
    | 'studyId'
    | 'referringPhysicianName'
    | 'studyDate'
    | 'studyTime'
    | 'patientBirthDate'
    | 'patientSex'
  >
>;

/** Moves a DICOM date (YYYYMMDD) forward by `days`, undoing the de-identification shift. */
export function unshiftDate(date: string | undefined, days: number | null): string | undefined {
  if (!date || !/^\d{8}$/.test(date) || !days) return date;
  const t = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)));
  return new Date(t + days * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
}

/**
 * The source series with the hospital's identifiers back: patient name and id, every referenced UID, and the original
 * study's accession number, study id, referring physician, date and time, birth date and sex. What the original does
 * not say is left empty (the study date then moved back by the date shift), never filled from the de-identified copy.
 * Throws when a referenced UID has no original: a result that cannot join the original study is not sent.
 */
export function restoreSource(
  source: SourceSeries,
  uids: Map<string, string>,
  patient: OriginalPatient,
  study: OriginalStudy = {},
): SourceSeries {
  const orig = (uid: string, what: string) => {
    const o = uids.get(uid);
    if (!o) throw new Error(`no original ${what} for the result's reference`);
    return o;
  };
  return {
    ...source,
    patientName: patient.patientName,
    patientId: patient.patientId,
    patientBirthDate: study.patientBirthDate,
    patientSex: study.patientSex,
    studyInstanceUid: orig(source.studyInstanceUid, 'study UID'),
    studyDate: study.studyDate ?? unshiftDate(source.studyDate, patient.dateOffsetDays),
    studyTime: study.studyTime,
    studyId: study.studyId,
    accessionNumber: study.accessionNumber,
    referringPhysicianName: study.referringPhysicianName,
    seriesInstanceUid: orig(source.seriesInstanceUid, 'series UID'),
    frameOfReferenceUid: source.frameOfReferenceUid ? orig(source.frameOfReferenceUid, 'frame of reference UID') : '',
    slices: source.slices.map((s) => ({ ...s, sopInstanceUid: orig(s.sopInstanceUid, 'SOP instance UID') })),
  };
}
