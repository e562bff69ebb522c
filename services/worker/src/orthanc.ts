import type { Config } from '@mic/config';
import { orthancAuthHeader, orthancJson, orthancUrl } from '@mic/pacs';
import type { OriginalStudy } from './identity.js';

export interface StoredInstance {
  id: string;
  status: string;
  parentStudy: string;
}

/** Sends one DICOM object to Orthanc's REST API (POST /instances, basic auth). */
export async function postInstance(config: Config, bytes: Uint8Array, timeoutMs = 60_000): Promise<StoredInstance> {
  const res = await fetch(`${orthancUrl(config)}/instances`, {
    method: 'POST',
    headers: { authorization: orthancAuthHeader(config), 'content-type': 'application/dicom' },
    body: bytes,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok)
    throw Object.assign(new Error(`Orthanc refused the result: HTTP ${res.status} ${text.slice(0, 200)}`), {
      code: `HTTP_${res.status}`,
    });
  const body = JSON.parse(text) as { ID: string; Status: string; ParentStudy: string };
  return { id: body.ID, status: body.Status, parentStudy: body.ParentStudy };
}

export function orthancSystem(config: Config): Promise<unknown> {
  return orthancJson(config, '/system', {}, 3000);
}

/** Orthanc's main tags of a study -> what the SEG/SR's patient and study modules take from the original. */
const STUDY_TAGS: [keyof OriginalStudy, 'MainDicomTags' | 'PatientMainDicomTags', string][] = [
  ['accessionNumber', 'MainDicomTags', 'AccessionNumber'],
  ['studyId', 'MainDicomTags', 'StudyID'],
  ['referringPhysicianName', 'MainDicomTags', 'ReferringPhysicianName'],
  ['studyDate', 'MainDicomTags', 'StudyDate'],
  ['studyTime', 'MainDicomTags', 'StudyTime'],
  ['patientBirthDate', 'PatientMainDicomTags', 'PatientBirthDate'],
  ['patientSex', 'PatientMainDicomTags', 'PatientSex'],
];

/**
 * The identifiers the original study holds in Orthanc (by its original Study Instance UID); empty when Orthanc no
 * longer has the study. Network errors are thrown, for a retry.
 */
export async function originalStudy(config: Config, studyUid: string): Promise<OriginalStudy> {
  const found = (await orthancJson(config, '/tools/lookup', { method: 'POST', body: studyUid }, 15_000)) as {
    ID: string;
    Type: string;
  }[];
  const study = found.find((f) => f.Type === 'Study');
  if (!study) return {};
  return studyTags((await orthancJson(config, `/studies/${study.ID}`, {}, 15_000)) as OrthancStudy);
}

/** Orthanc's answer for a study (GET /studies/{id}): the tags it indexes. */
export type OrthancStudy = Record<'MainDicomTags' | 'PatientMainDicomTags', Record<string, string> | undefined>;

/** The identifiers a result takes from the original study, out of Orthanc's main tags; absent values stay absent. */
export function studyTags(tags: OrthancStudy): OriginalStudy {
  const out: OriginalStudy = {};
  for (const [field, group, tag] of STUDY_TAGS) {
    const value = tags[group]?.[tag]?.trim();
    if (value) out[field] = value;
  }
  return out;
}
