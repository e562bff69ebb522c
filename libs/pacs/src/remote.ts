import { randomBytes } from 'node:crypto';
import type { Config } from '@mic/config';
import { orthancJson, orthancRequest } from './index.js';

/** A hospital PACS (or any DICOM node) the deployment's Orthanc may query and retrieve from. */
export interface RemoteNode {
  aet: string;
  host: string;
  port: number;
}

/** One study a remote node answered a C-FIND with (the keys it returned; empty where it gave none). */
export interface StudyMatch {
  studyInstanceUid: string;
  patientId: string;
  studyDate: string;
  accessionNumber: string;
  description: string;
  modalities: string;
}

export interface StudyQuery {
  patientId?: string;
  /** YYYYMMDD or a range YYYYMMDD-YYYYMMDD. */
  studyDate?: string;
  accessionNumber?: string;
  /** e.g. CT: only studies holding that modality (where the node supports ModalitiesInStudy). */
  modality?: string;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function checkName(name: string): string {
  if (!NAME.test(name)) throw new RangeError(`node name must be 1-64 letters, digits, _ or -: ${JSON.stringify(name)}`);
  return encodeURIComponent(name);
}

/** Registers (or updates) a remote node in Orthanc under `name`, at run time (no restart). */
export async function putRemoteNode(config: Config, name: string, node: RemoteNode): Promise<void> {
  if (!/^[\x20-\x7e]{1,16}$/.test(node.aet) || node.aet.includes('\\'))
    throw new RangeError(`AE title must be 1-16 printable characters: ${JSON.stringify(node.aet)}`);
  if (!Number.isInteger(node.port) || node.port < 1 || node.port > 65535)
    throw new RangeError(`port must be 1-65535: ${node.port}`);
  await orthancRequest(config, `/modalities/${checkName(name)}`, {
    method: 'PUT',
    body: JSON.stringify({ AET: node.aet, Host: node.host, Port: node.port }),
  });
}

/** Removes a remote node from Orthanc; false when it was not registered. */
export async function deleteRemoteNode(config: Config, name: string): Promise<boolean> {
  return orthancRequest(config, `/modalities/${checkName(name)}`, { method: 'DELETE' }).then(
    () => true,
    (err: Error) => {
      if (/HTTP 404/.test(err.message)) return false;
      throw err;
    },
  );
}

/** C-FIND at study level through Orthanc: the studies the node holds that match. */
export async function findStudies(config: Config, name: string, q: StudyQuery): Promise<StudyMatch[]> {
  const query: Record<string, string> = {
    StudyInstanceUID: '',
    PatientID: q.patientId ?? '',
    StudyDate: q.studyDate ?? '',
    AccessionNumber: q.accessionNumber ?? '',
    StudyDescription: '',
    ModalitiesInStudy: q.modality ?? '',
  };
  const { ID } = (await orthancJson(config, `/modalities/${checkName(name)}/query`, {
    method: 'POST',
    body: JSON.stringify({ Level: 'Study', Query: query }),
  })) as { ID: string };
  const answers = (await orthancJson(config, `/queries/${ID}/answers?expand&simplify`)) as Record<string, string>[];
  return answers.map((a) => ({
    studyInstanceUid: a.StudyInstanceUID ?? '',
    patientId: a.PatientID ?? '',
    studyDate: a.StudyDate ?? '',
    accessionNumber: a.AccessionNumber ?? '',
    description: a.StudyDescription ?? '',
    modalities: a.ModalitiesInStudy ?? '',
  }));
}

/**
 * C-MOVE of one study from the node into the deployment's Orthanc (the node must know Orthanc's AE title, host and
 * port as a move destination). Waits until the node reports the transfer done; ingest then takes the study from the
 * change feed like any other.
 */
export async function retrieveStudy(config: Config, name: string, studyInstanceUid: string): Promise<void> {
  if (!/^[0-9.]{1,64}$/.test(studyInstanceUid)) throw new RangeError(`not a UID: ${JSON.stringify(studyInstanceUid)}`);
  await orthancJson(
    config,
    `/modalities/${checkName(name)}/move`,
    {
      method: 'POST',
      body: JSON.stringify({
        Level: 'Study',
        Resources: [{ StudyInstanceUID: studyInstanceUid }],
        TargetAet: config.orthanc.aeTitle,
        Synchronous: true,
      }),
    },
    10 * 60_000,
  );
}

/** A STOW-RS request body: each part one DICOM instance (multipart/related; type="application/dicom"). */
export function stowBody(parts: Uint8Array[]): { body: Buffer; contentType: string } {
  const boundary = `mic-${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts)
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
      Buffer.from(p),
      Buffer.from('\r\n'),
    );
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    body: Buffer.concat(chunks),
    contentType: `multipart/related; type="application/dicom"; boundary=${boundary}`,
  };
}
