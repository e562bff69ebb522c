import {
  newUid,
  patientStudyModules,
  writeDataset,
  type AlgorithmIdentification,
  type PatientStudy,
} from '../write/common.js';
import { container, DCM, observerContext, srDocumentModules, text, uidref, type Item } from './items.js';

export const BASIC_TEXT_SR_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.88.11';

export interface WriteNoticeInput {
  /** The original study, as the hospital knows it: the notice joins it. */
  study: PatientStudy;
  /** The series that was not analysed (its original UID and description, when known). */
  seriesUid?: string;
  seriesDescription?: string;
  /** Why, in words a reader at the site can act on. */
  reason: string;
  algorithm: AlgorithmIdentification;
  sopInstanceUid?: string;
  seriesInstanceUid?: string;
  now?: Date;
}

/**
 * A Basic Text SR telling the hospital that a series was not analysed, and why: without it a study the platform
 * refused (no lung found, unreadable images) looks, in the PACS, like one still waiting for its results.
 */
export function writeNotice(input: WriteNoticeInput): { bytes: Uint8Array; sopInstanceUid: string } {
  if (!input.reason.trim()) throw new RangeError('a notice needs a reason');
  const sopInstanceUid = input.sopInstanceUid ?? newUid();
  const series = input.seriesDescription ? `series "${input.seriesDescription}"` : 'series';
  const children: Item[] = [
    ...observerContext(input.algorithm),
    text(
      'CONTAINS',
      DCM('121071', 'Finding'),
      `Automated COVID-19 chest CT analysis was not performed on ${series}: ${input.reason}`,
    ),
  ];
  if (input.seriesUid) children.push(uidref('CONTAINS', DCM('112002', 'Series Instance UID'), input.seriesUid));
  const dataset: Item = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: BASIC_TEXT_SR_SOP_CLASS_UID,
    SOPInstanceUID: sopInstanceUid,
    ...patientStudyModules(input.study),
    ...srDocumentModules({
      uid: input.seriesInstanceUid ?? newUid(),
      number: 303,
      description: `${input.algorithm.name}: not analysed`,
      now: input.now ?? new Date(),
    }),
    ...container(undefined, DCM('121070', 'Findings'), children),
  };
  return { bytes: writeDataset(dataset), sopInstanceUid };
}
