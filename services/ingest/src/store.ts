import { createHash } from 'node:crypto';
import {
  inTransaction,
  quarantine,
  saveMapping,
  upsertInstance,
  upsertSeries,
  upsertStudy,
  type PoolClient,
} from '@mic/catalog';
import { deidentify, DeidError, DicomError, parseDicom, slicePlane, type DeidResult, type Dataset } from '@mic/dicom';
import { timed } from '@mic/telemetry';
import type { IngestContext } from './context.js';

export interface Origin {
  source: string;
  sourceRef: string;
  /** The source's study the object belongs to, when known (Orthanc study id). */
  sourceStudy?: string;
}

export type IngestOutcome =
  | { kind: 'stored' | 'duplicate'; studyId: number; seriesId: number; sopUid: string; objectKey: string }
  | { kind: 'quarantined'; reason: string };

/** Manufacturer (0008,0070) of the objects libs/dicom writes. */
const OWN_MANUFACTURER = 'mic';

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Content-addressed key of a de-identified instance: the same bytes always land on the same object. */
export function instanceKey(hash: string): string {
  return `dicom/${hash.slice(0, 2)}/${hash}.dcm`;
}

const text = (v: unknown): string | null => {
  const s = Array.isArray(v) ? v.join('\\') : typeof v === 'number' ? String(v) : typeof v === 'string' ? v : '';
  return s.trim() === '' ? null : s.trim();
};
const num = (v: unknown): number | null => {
  const n = Number(Array.isArray(v) ? v[0] : v);
  return v === undefined || v === null || v === '' || !Number.isFinite(n) ? null : n;
};

/**
 * Series this ingest recorded before (study, series and patient mapping rows committed): later instances of the same
 * series write only their own rows, 4 round trips instead of 9. Forgotten when a transaction fails.
 */
const seenByContext = new WeakMap<IngestContext, Map<string, { studyId: number; seriesId: number }>>();

function seenSeries(ctx: IngestContext): Map<string, { studyId: number; seriesId: number }> {
  let m = seenByContext.get(ctx);
  if (!m) seenByContext.set(ctx, (m = new Map()));
  return m;
}

async function putOnce(ctx: IngestContext, key: string, bytes: Uint8Array): Promise<boolean> {
  const bucket = ctx.config.s3.bucket;
  try {
    await ctx.s3.statObject(bucket, key);
    return false;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'NotFound' && code !== 'NoSuchKey') throw err;
  }
  await ctx.s3.putObject(bucket, key, Buffer.from(bytes), bytes.length, { 'Content-Type': 'application/dicom' });
  return true;
}

/**
 * One object from a source, whatever its path (Orthanc or STOW-RS): de-identify with the society key, store under
 * its content hash, record it in the catalogue with the encrypted re-identification mapping. A file that cannot be
 * de-identified or read goes to quarantine with its reason; infrastructure errors are thrown for a retry.
 */
export async function ingestBytes(ctx: IngestContext, raw: Uint8Array, origin: Origin): Promise<IngestOutcome> {
  const { society, societyKey } = ctx.config.ingest;
  let deid: DeidResult;
  let dataset: Dataset;
  let sopUid: string;
  try {
    deid = await timed(ctx.metrics, 'deidentify', async () =>
      deidentify(raw, { key: societyKey, options: ctx.deidOptions }),
    );
    const parsed = parseDicom(deid.bytes);
    dataset = parsed.dataset;
    sopUid = parsed.sopInstanceUid;
    for (const field of ['StudyInstanceUID', 'SeriesInstanceUID'])
      if (!text(dataset[field])) throw new DicomError('BAD_VALUE', `no ${field}`);
    if (!sopUid) throw new DicomError('BAD_VALUE', 'no SOPInstanceUID');
  } catch (err) {
    if (!(err instanceof DeidError) && !(err instanceof DicomError)) throw err;
    const reason = err.message.split('\n')[0];
    await quarantine(ctx.pool, { society, ...origin, sha256: sha256(raw), reason });
    ctx.metrics.instances.inc({ outcome: 'quarantined' });
    ctx.log.warn({ sourceRef: origin.sourceRef, reason }, 'instance quarantined');
    return { kind: 'quarantined', reason };
  }

  // Our own SEG/SR, written back to this PACS by the worker, come back on the change feed: not input, skip them.
  if (text(dataset.Manufacturer) === OWN_MANUFACTURER && ['SEG', 'SR'].includes(text(dataset.Modality) ?? '')) {
    const reason = `skipped: ${text(dataset.Modality)} written by mic`;
    await quarantine(ctx.pool, { society, ...origin, sha256: sha256(raw), reason });
    ctx.metrics.instances.inc({ outcome: 'skipped' });
    return { kind: 'quarantined', reason };
  }

  const hash = sha256(deid.bytes);
  const objectKey = instanceKey(hash);
  await timed(ctx.metrics, 'store', () => putOnce(ctx, objectKey, deid.bytes));

  const studyUid = text(dataset.StudyInstanceUID)!;
  const seriesUid = text(dataset.SeriesInstanceUID)!;
  const seen = seenSeries(ctx);
  const seenKey = [deid.pseudonym, studyUid, seriesUid, origin.source, origin.sourceStudy ?? ''].join('\n');
  const record = () =>
    inTransaction(ctx.pool, async (db) => {
      const known = seen.get(seenKey);
      const key = ctx.config.catalog.mappingKey;
      const { studyId, seriesId } = known ?? (await upsertStudyAndSeries(db));
      const instance = await upsertInstance(db, {
        seriesId,
        sopUid,
        sopClassUid: text(dataset.SOPClassUID),
        instanceNumber: num(dataset.InstanceNumber),
        objectKey,
        sha256: hash,
        sizeBytes: deid.bytes.length,
        sourceRef: origin.sourceRef,
      });
      if (!known) {
        const patients = Object.fromEntries(
          Object.entries(deid.mapping.patients).map(([p, m]) => [p, JSON.stringify(m)]),
        );
        await saveMapping(db, key, society, 'patient', patients);
      }
      await saveMapping(db, key, society, 'uid', deid.mapping.uids, studyUid);
      return { studyId, seriesId, created: instance.created };
    }).then(
      (r) => {
        if (seen.size >= 1000) seen.clear(); // a few recent series are what matters
        seen.set(seenKey, { studyId: r.studyId, seriesId: r.seriesId });
        return r;
      },
      (err: unknown) => {
        seen.delete(seenKey);
        throw err;
      },
    );
  const ids = await timed(ctx.metrics, 'catalog', () =>
    record().catch((err: { code?: string }) => {
      // a foreign key gone: the cached series' study was erased since (mic studies delete); record it afresh
      if (err.code === '23503') return record();
      throw err;
    }),
  );
  const kind = ids.created ? 'stored' : 'duplicate';
  ctx.metrics.instances.inc({ outcome: kind });
  return { kind, studyId: ids.studyId, seriesId: ids.seriesId, sopUid, objectKey };

  async function upsertStudyAndSeries(db: PoolClient): Promise<{ studyId: number; seriesId: number }> {
    const study = await upsertStudy(db, {
      society,
      patientPseudonym: deid.pseudonym,
      studyUid,
      source: origin.source,
      sourceRef: origin.sourceStudy ?? null,
      studyDate: text(dataset.StudyDate),
      description: text(dataset.StudyDescription),
    });
    const seriesId = await upsertSeries(db, {
      studyId: study.id,
      seriesUid,
      modality: text(dataset.Modality),
      bodyPart: text(dataset.BodyPartExamined),
      description: text(dataset.SeriesDescription),
      sliceThicknessMm: num(dataset.SliceThickness),
      imageType: text(dataset.ImageType),
      orientation: slicePlane(dataset.ImageOrientationPatient),
    });
    return { studyId: study.id, seriesId };
  }
}
