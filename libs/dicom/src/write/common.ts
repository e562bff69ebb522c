import { randomUUID } from 'node:crypto';
import dcmjs from 'dcmjs';

/** A coded concept (code value, coding scheme designator, code meaning). */
export interface Code {
  value: string;
  scheme: string;
  meaning: string;
}

export function codeItem(code: Code): Record<string, string> {
  return { CodeValue: code.value, CodingSchemeDesignator: code.scheme, CodeMeaning: code.meaning };
}

/** A fresh UID under the 2.25 (UUID) root. */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString(10)}`;
}

/** Patient and study attributes copied from the source images into derived objects. */
export interface PatientStudy {
  patientName?: string;
  patientId?: string;
  patientBirthDate?: string;
  patientSex?: string;
  studyInstanceUid: string;
  studyDate?: string;
  studyTime?: string;
  studyId?: string;
  accessionNumber?: string;
  referringPhysicianName?: string;
}

/** The algorithm that produced a result (name, version, family; default family: Artificial Intelligence). */
export interface AlgorithmIdentification {
  name: string;
  version: string;
  family?: Code;
  /** What pins the algorithm down beyond its version (e.g. the digest of its parameters and model). */
  parameters?: string;
}

export const IMPLEMENTATION_CLASS_UID = '2.25.211443665772635168349658258674567993446';
export const MANUFACTURER = 'mic';

export function patientStudyModules(p: PatientStudy): Record<string, unknown> {
  return {
    PatientName: p.patientName ?? '',
    PatientID: p.patientId ?? '',
    PatientBirthDate: p.patientBirthDate ?? '',
    PatientSex: p.patientSex ?? '',
    StudyInstanceUID: p.studyInstanceUid,
    StudyDate: p.studyDate ?? '',
    StudyTime: p.studyTime ?? '',
    StudyID: p.studyId ?? '',
    AccessionNumber: p.accessionNumber ?? '',
    ReferringPhysicianName: p.referringPhysicianName ?? '',
  };
}

/** DA and TM of a moment, in UTC. */
export function dicomDateTime(now: Date): { date: string; time: string } {
  const iso = now.toISOString();
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: iso.slice(11, 19).replace(/:/g, '') };
}

/**
 * Serialises a naturalised dataset as a Part 10 file in explicit VR little endian. `appended` are encoded elements
 * (large or many-item ones that dcmjs is slow to write) placed after the dataset's, all with tags from `firstTag` on.
 */
export function writeDataset(
  dataset: Record<string, unknown>,
  appended?: { firstTag: string; bytes: Uint8Array[] },
): Uint8Array {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: 'MIC_0.1',
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  const head = new Uint8Array(dict.write());
  if (!appended) return head;
  if (Object.keys(dict.dict).some((tag) => tag >= appended.firstTag))
    throw new Error(`dataset elements at or after ${appended.firstTag}`);
  const out = new Uint8Array(appended.bytes.reduce((n, b) => n + b.length, head.length));
  out.set(head);
  let o = head.length;
  for (const b of appended.bytes) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}
