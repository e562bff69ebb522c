import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createCatalogPool, feedPosition, lookupOriginal, migrate, type Pool } from '@mic/catalog';
import { analysisQueue, type AnalysisJob } from '@mic/queue';
import { createS3Client } from '@mic/storage';
import { startIngest, type IngestService, type InstanceEvent } from '@mic/ingest';
import type { Job, Queue } from 'bullmq';
import dcmjs from 'dcmjs';
import { createHash, randomBytes } from 'node:crypto';
import { accessToken, requireService, tokenRequest, users } from './support/stack.js';
import {
  dcmValue,
  deleteFromOrthanc,
  isolatedConfig,
  lidcFiles,
  orthancLastSeq,
  freePort,
  orthancStudyId,
  read,
  stow,
  storescu,
  waitFor,
} from './support/ingest.js';

jest.setTimeout(300_000);

// reconcile the queue every second: a lost job is sent again within the test's patience
const config = await isolatedConfig({ ingest: { reconcileMs: 1000 } });
const s3 = createS3Client(config);

interface Row {
  [k: string]: unknown;
}

describe('ingest on the local stack', () => {
  let pool: Pool;
  let queue: Queue<AnalysisJob>;
  const running: IngestService[] = [];

  /** Starts ingest and waits until it has a change-feed position, so that what is sent next is seen. */
  async function start(onInstance?: (e: InstanceEvent) => void): Promise<IngestService> {
    const svc = await startIngest(config, { onInstance });
    running.push(svc);
    await svc.ready;
    await waitFor('a change-feed position', 30_000, () => feedPosition(pool, config.ingest.source));
    return svc;
  }

  async function stop(svc: IngestService): Promise<void> {
    running.splice(running.indexOf(svc), 1);
    await svc.stop();
  }

  const rows = async (sql: string, params: unknown[] = []): Promise<Row[]> => (await pool.query(sql, params)).rows;

  /** Waits until the follower has read past `seq` and has no study left pending. */
  async function drained(seq: number): Promise<void> {
    await waitFor('the change feed to be read and pending studies done', 60_000, async () => {
      const pos = await feedPosition(pool, config.ingest.source);
      const pending = await rows('SELECT 1 FROM feed_pending WHERE source = $1', [config.ingest.source]);
      return pos !== undefined && pos >= seq && pending.length === 0 ? true : undefined;
    });
  }

  /** Catalogue studies whose encrypted mapping leads back to this original Study Instance UID. */
  async function studiesOf(originalStudyUid: string): Promise<Row[]> {
    const out: Row[] = [];
    for (const study of await rows('SELECT * FROM studies ORDER BY id')) {
      const original = await lookupOriginal(pool, config.catalog.mappingKey, 'A', 'uid', study.study_uid as string);
      if (original === originalStudyUid) out.push(study);
    }
    return out;
  }

  const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

  const analysesOf = (studyId: unknown) =>
    rows('SELECT a.* FROM analyses a JOIN series s ON s.id = a.series_id WHERE s.study_id = $1 ORDER BY a.id', [
      studyId,
    ]);
  const instancesOf = (studyId: unknown) =>
    rows('SELECT i.* FROM instances i JOIN series s ON s.id = i.series_id WHERE s.study_id = $1', [studyId]);

  /** Waits for the one study of this original UID to have an analysis in the queue; returns it and its job. */
  async function queued(originalStudyUid: string): Promise<{ study: Row; job: Job<AnalysisJob> }> {
    return waitFor('an analysis job in the queue', 120_000, async () => {
      const [study] = await studiesOf(originalStudyUid);
      if (!study) return undefined;
      const [a] = (await analysesOf(study.id)).filter((r) => r.enqueued_at);
      const job = a && (await queue.getJob(a.job_id as string));
      return job ? { study, job } : undefined;
    });
  }

  /** This study's jobs in the queue, in any state. */
  async function jobsOf(studyId: unknown): Promise<Job<AnalysisJob>[]> {
    const all = await queue.getJobs(['prioritized', 'waiting', 'active', 'delayed', 'completed', 'failed']);
    return all.filter((j) => j && String(j.data.studyId) === String(studyId));
  }

  beforeAll(async () => {
    for (const s of ['postgres', 'redis', 'orthanc', 's3', 'keycloak'] as const) await requireService(s);
    pool = createCatalogPool(config);
    await migrate(pool, config.catalog.schema);
    queue = analysisQueue(config);
    queue.on('error', () => undefined); // reported by the service under test; keep the test output clean
  });

  afterAll(async () => {
    for (const svc of running.splice(0)) await svc.stop();
    await queue?.obliterate({ force: true });
    await queue?.close();
    await pool?.query(`DROP SCHEMA IF EXISTS ${config.catalog.schema} CASCADE`);
    await pool?.end();
  });

  describe('a LIDC slab sent by storescu to Orthanc', () => {
    const files = lidcFiles('LIDC-IDRI-0003');
    const studyUid = dcmValue(files[0], '0020,000d');
    let svc: IngestService;

    beforeAll(async () => {
      await deleteFromOrthanc(config, studyUid);
      svc = await start();
    });

    afterAll(async () => {
      await stop(svc);
    });

    it('ends de-identified in the catalogue and the store, with one clinical job queued', async () => {
      await storescu(config, files);
      const { study, job } = await queued(studyUid);
      expect(await job.getState()).toBe('prioritized');
      expect(job.data).toMatchObject({ lane: 'clinical', revision: 1, studyId: Number(study.id), society: 'A' });
      expect(job.data.objectKeys).toHaveLength(files.length);

      expect(study.study_uid).not.toBe(studyUid);
      const series = await rows('SELECT * FROM series WHERE study_id = $1', [study.id]);
      expect(series).toHaveLength(1);
      expect(series[0]).toMatchObject({ modality: 'CT', body_part: 'CHEST', selected: true, revision: 1 });
      expect(series[0].series_uid).not.toBe(dcmValue(files[0], '0020,000e'));
      expect(await instancesOf(study.id)).toHaveLength(files.length);

      const [patient] = await rows('SELECT pseudonym FROM patients WHERE id = $1', [study.patient_id]);
      const pseudonym = patient.pseudonym as string;
      const original = await lookupOriginal(pool, config.catalog.mappingKey, 'A', 'patient', pseudonym);
      expect(JSON.parse(original!).patientId).toBe('LIDC-IDRI-0003');
      // the mapping is scoped: another society cannot read it
      expect(await lookupOriginal(pool, config.catalog.mappingKey, 'B', 'patient', pseudonym)).toBeUndefined();
    });

    it('stores no object holding the original patient id or any original UID', async () => {
      const originals = [
        'LIDC-IDRI-0003',
        studyUid,
        dcmValue(files[0], '0020,000e'),
        ...files.map((f) => dcmValue(f, '0008,0018')),
      ].map((s) => Buffer.from(s, 'latin1'));
      const [study] = await studiesOf(studyUid);
      const keys = (await instancesOf(study.id)).map((r) => r.object_key as string);
      expect(keys).toHaveLength(files.length);
      for (const key of keys) {
        const chunks: Buffer[] = [];
        for await (const c of await s3.getObject(config.s3.bucket, key)) chunks.push(c as Buffer);
        const bytes = Buffer.concat(chunks);
        expect(bytes.subarray(128, 132).toString()).toBe('DICM');
        for (const o of originals) expect(bytes.includes(o)).toBe(false);
      }
    });

    it('keeps one study and one job when the same study is sent again, through Orthanc and through STOW-RS', async () => {
      await deleteFromOrthanc(config, studyUid);
      await storescu(config, files);
      await drained(await orthancLastSeq(config));
      const again = await stow(svc.port, files.map(read));
      expect(again.status).toBe(200);
      const studies = await studiesOf(studyUid);
      expect(studies).toHaveLength(1);
      expect(await instancesOf(studies[0].id)).toHaveLength(files.length);
      expect(await analysesOf(studies[0].id)).toHaveLength(1);
      expect(await jobsOf(studies[0].id)).toHaveLength(1);
    });

    it('answers health, readiness and metrics', async () => {
      const base = `http://127.0.0.1:${svc.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ checks: { catalog: 'ok', queue: 'ok', store: 'ok', orthanc: 'ok' } });
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const value = (re: RegExp) => Number(re.exec(metrics)?.[1] ?? NaN);
      expect(value(/mic_ingest_instances_total\{[^}]*outcome="stored"[^}]*\} (\d+)/)).toBeGreaterThanOrEqual(11);
      expect(value(/mic_queue_depth\{[^}]*state="prioritized"[^}]*\} (\d+)/)).toBeGreaterThanOrEqual(1);
      expect(metrics).toMatch(/mic_stage_duration_seconds_bucket\{[^}]*stage="deidentify"/);
    });

    it('sends a job the queue lost again, under the same id: the catalogue is the record', async () => {
      const [study] = await studiesOf(studyUid);
      const [job] = await jobsOf(study.id);
      const id = job.id!;
      await job.remove(); // as if Redis had restarted without its data
      expect(await queue.getJob(id)).toBeUndefined();
      const back = await waitFor(
        'the lost job to be sent again',
        30_000,
        async () => (await queue.getJob(id)) ?? undefined,
      );
      expect(back.data).toMatchObject({ studyId: Number(study.id), revision: 1 });
      const requeued = await rows(`SELECT detail FROM audit WHERE action = 'analysis.requeued'`);
      expect(requeued.map((r) => (r.detail as { jobId: string }).jobId)).toContain(id);
      expect(await jobsOf(study.id)).toHaveLength(1);
    });
  });

  describe('restarting ingest in the middle of a study', () => {
    const files = lidcFiles('LIDC-IDRI-0001');
    const studyUid = dcmValue(files[0], '0020,000d');
    const orthancStudy = orthancStudyId('LIDC-IDRI-0001', studyUid);

    it('finishes the study after the restart with one study and one job, pulling each instance once', async () => {
      await deleteFromOrthanc(config, studyUid);
      const pulled: string[] = [];
      const first: { svc?: IngestService } = {};
      let stopping: Promise<void> | undefined;
      const ours = (e: InstanceEvent) => e.sourceStudy === orthancStudy && e.outcome !== 'quarantined';
      first.svc = await start((e) => {
        if (!ours(e)) return;
        pulled.push(e.sourceRef);
        if (pulled.length === 4 && first.svc) stopping = stop(first.svc);
      });
      await storescu(config, files);
      await waitFor('ingest to stop after 4 instances', 120_000, async () => (stopping ? true : undefined));
      await stopping;
      expect(pulled).toHaveLength(4);

      const second = await start((e) => ours(e) && pulled.push(e.sourceRef));
      const { study } = await queued(studyUid);
      expect(pulled).toHaveLength(files.length);
      expect(new Set(pulled).size).toBe(files.length);
      expect(await studiesOf(studyUid)).toHaveLength(1);
      expect(await instancesOf(study.id)).toHaveLength(files.length);
      expect(await analysesOf(study.id)).toHaveLength(1);
      expect(await jobsOf(study.id)).toHaveLength(1);
      await stop(second);
    });
  });

  describe('STOW-RS uploads', () => {
    const files = lidcFiles('LIDC-IDRI-0002');
    const studyUid = dcmValue(files[0], '0020,000d');
    let svc: IngestService;

    beforeAll(async () => {
      svc = await start();
    });

    afterAll(async () => {
      await stop(svc);
    });

    it('refuses uploads without a valid token of a member of this society (401/403) and keeps serving', async () => {
      const part = [read(files[0])];
      const member = await accessToken(users.memberA);
      const [h, p, sig] = member.split('.');
      const tampered = `${h}.${p}.${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
      const pacs = await tokenRequest({
        grant_type: 'client_credentials',
        client_id: 'mic-pacs',
        client_secret: 'mic-pacs-local-secret',
      });
      const cases: [string | null, number, RegExp][] = [
        [null, 401, /no bearer token/],
        ['not-a-jwt', 401, /invalid token/],
        [tampered, 401, /invalid token: signature/],
        [await accessToken(users.memberB), 403, /member-b belongs to society B, this endpoint serves society A/],
        [await accessToken(users.researcher), 403, /researcher lacks the role society-member/],
        [pacs.body.access_token!, 403, /lacks the role society-member/],
      ];
      for (const [token, status, error] of cases) {
        const res = await stow(svc.port, part, { token });
        expect({ status: res.status, error: res.body.error }).toEqual({ status, error: expect.stringMatching(error) });
      }
      // nothing of the refused uploads reached the catalogue; the service still answers
      expect(await studiesOf(studyUid)).toHaveLength(0);
      expect(await rows(`SELECT 1 FROM quarantine WHERE source = 'stow'`)).toHaveLength(0);
      expect((await fetch(`http://127.0.0.1:${svc.port}/healthz`)).status).toBe(200);
      const challenge = await fetch(`http://127.0.0.1:${svc.port}/dicomweb/studies`, { method: 'POST', body: 'x' });
      expect(challenge.headers.get('www-authenticate')).toBe(`Bearer realm="${config.keycloak.realm}"`);
    });

    it('quarantines a corrupt file and a non-DICOM part with their reasons while the others proceed', async () => {
      const good = files.slice(0, 11).map(read);
      const whole = read(files[11]);
      const truncated = whole.subarray(0, whole.length - 5000); // cut inside the pixel data
      const garbage = Buffer.from('this is not a DICOM file at all, just text sent by mistake'.repeat(4));
      const res = await stow(svc.port, [...good, truncated, garbage], { query: '?lane=research' });
      expect(res.status).toBe(202);
      expect(res.body['00081199'].Value).toHaveLength(11);
      expect(res.body['00081198'].Value).toHaveLength(2);

      // (parts are ingested several at a time: the rows' order is not the parts')
      const q = await rows(`SELECT reason FROM quarantine WHERE source = 'stow' ORDER BY reason`);
      expect(q.map((r) => r.reason)).toEqual([
        expect.stringMatching(/not a DICOM file/),
        expect.stringMatching(/truncated/),
      ]);
      const [study] = await studiesOf(studyUid);
      expect(await instancesOf(study.id)).toHaveLength(11);
      const [a] = await analysesOf(study.id);
      expect(a).toMatchObject({ lane: 'research', revision: 1 });
      expect((await queue.getJob(a.job_id as string))?.data.lane).toBe('research');
      // the upload is recorded under the member who sent it and the society of the token
      const [upload] = await rows(`SELECT actor, detail FROM audit WHERE action = 'stow.upload' AND study_id = $1`, [
        study.id,
      ]);
      expect(upload).toMatchObject({ actor: 'user:member-a', detail: { society: 'A', parts: 13, failed: 2 } });
    });

    it('treats a late instance as an amendment: the next revision, a new job, never a duplicate', async () => {
      const res = await stow(svc.port, [read(files[11])]);
      expect(res.status).toBe(200);
      const [study] = await studiesOf(studyUid);
      const analyses = await analysesOf(study.id);
      expect(analyses.map((r) => r.revision)).toEqual([1, 2]);
      expect(await jobsOf(study.id)).toHaveLength(2);
      expect((await queue.getJob(analyses[1].job_id as string))?.data.objectKeys).toHaveLength(12);
      const audit = await rows(`SELECT action FROM audit WHERE action = 'analysis.amendment' AND study_id = $1`, [
        study.id,
      ]);
      expect(audit).toHaveLength(1);
      // sending the late instance again changes nothing
      expect((await stow(svc.port, [read(files[11])])).status).toBe(200);
      expect(await analysesOf(study.id)).toHaveLength(2);
      expect(await jobsOf(study.id)).toHaveLength(2);
    });
  });

  describe('a study holding its axial series and a coronal reformat of it', () => {
    it('analyses the axial series once and records why the reformat is not read again', async () => {
      const svc = await start();
      try {
        const studyUid = newUid();
        // new UIDs throughout: the slab itself was stored by the tests above
        const axialUid = newUid();
        const axial = files3().map((f) =>
          restamp(read(f), { StudyInstanceUID: studyUid, SeriesInstanceUID: axialUid, SOPInstanceUID: newUid() }),
        );
        const seriesUid = newUid();
        const coronal = files3().map((f) =>
          restamp(read(f), {
            StudyInstanceUID: studyUid,
            SeriesInstanceUID: seriesUid,
            SOPInstanceUID: newUid(),
            SeriesDescription: 'Lung COR 2.5',
            ImageOrientationPatient: [1, 0, 0, 0, 0, -1],
          }),
        );
        expect((await stow(svc.port, [...axial, ...coronal])).status).toBe(200);
        const [study] = await studiesOf(studyUid);
        const series = await rows(
          'SELECT orientation, not_analysed_reason, (SELECT count(*)::int FROM analyses a WHERE a.series_id = s.id) AS n FROM series s WHERE study_id = $1 ORDER BY orientation',
          [study.id],
        );
        expect(series).toEqual([
          { orientation: 'axial', not_analysed_reason: null, n: 1 },
          {
            orientation: 'coronal',
            not_analysed_reason: "coronal reformat: the study's axial series is analysed",
            n: 0,
          },
        ]);
        expect(await jobsOf(study.id)).toHaveLength(1);
      } finally {
        await stop(svc);
      }
    });
  });

  describe('upload quota', () => {
    it("refuses a society's uploads over its daily quota with 429 before reading them", async () => {
      // After the uploads above: what society A has sent by STOW-RS today, as stored.
      const [{ used }] = await rows(
        `SELECT coalesce(sum(i.size_bytes), 0)::bigint AS used FROM instances i JOIN series s ON s.id = i.series_id
         JOIN studies st ON st.id = s.study_id WHERE st.society_id = 'A' AND i.source_ref LIKE 'stow/%'`,
      );
      expect(Number(used)).toBeGreaterThan(0);
      const file = read(files3()[1]);
      const withQuota = async (quota: number) => {
        const svc = await startIngest({
          ...config,
          logLevel: 'fatal',
          ingest: {
            ...config.ingest,
            port: await freePort(),
            source: `${config.ingest.source}-q`,
            stowQuotaBytesPerDay: quota,
          },
        });
        running.push(svc);
        await svc.ready;
        return svc;
      };
      // Room for a little, not for this file: refused on its Content-Length.
      const tight = await withQuota(Number(used) + 1000);
      const refused = await stow(tight.port, [file]);
      expect(refused.status).toBe(429);
      expect((refused.body as unknown as { error: string }).error).toMatch(
        /society A has uploaded \d+ of its \d+ bytes/,
      );
      await stop(tight);
      // Room for it: stored.
      const roomy = await withQuota(Number(used) + 10 * file.length);
      expect((await stow(roomy.port, [file])).status).toBe(200);
      await stop(roomy);
    });
  });

  describe('results written back by mic', () => {
    it('are recognised on the way in and not stored again', async () => {
      const svc = await start();
      const sr = micSr();
      const res = await stow(svc.port, [sr]);
      expect(res.status).toBe(409);
      expect(JSON.stringify(res.body['00081198'])).toMatch(/skipped: SR written by mic/);
      const [q] = await rows(`SELECT reason FROM quarantine WHERE source_ref = $1`, [`stow/${sha256(sr)}`]);
      expect(q.reason).toBe('skipped: SR written by mic');
      expect(await rows(`SELECT 1 FROM series WHERE modality = 'SR'`)).toHaveLength(0);
      await stop(svc);
    });
  });

  describe('when Orthanc cannot be reached', () => {
    it('keeps serving STOW-RS and reports Orthanc in readiness without failing it', async () => {
      const down = await isolatedConfig({ orthanc: { httpPort: await freePort() } });
      const svc = await startIngest({ ...down, logLevel: 'fatal', catalog: config.catalog, queue: config.queue });
      running.push(svc);
      await svc.ready;
      const ready = await fetch(`http://127.0.0.1:${svc.port}/readyz`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { checks: Record<string, string> };
      expect(body.checks.orthanc).toMatch(/unreachable/);
      const res = await stow(svc.port, [read(files3()[0])]);
      expect(res.status).toBe(200);
      await stop(svc);
    });
  });
});

const files3 = () => lidcFiles('LIDC-IDRI-0003');

const newUid = () => `2.25.${BigInt('0x' + randomBytes(12).toString('hex'))}`;

/** The same instance with some attributes replaced (dcmjs round trip; pixel data unchanged). */
function restamp(bytes: Uint8Array, values: Record<string, unknown>): Uint8Array {
  const { DicomMessage, DicomMetaDictionary } = dcmjs.data;
  dcmjs.log.setLevel('error'); // the LIDC private tags are not in its dictionary: not worth a line each
  const dict = DicomMessage.readFile(
    Buffer.from(bytes).buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
  );
  const ds = { ...DicomMetaDictionary.naturalizeDataset(dict.dict), ...values };
  if (typeof values.SOPInstanceUID === 'string')
    dict.meta = {
      ...dict.meta,
      ...DicomMetaDictionary.denaturalizeDataset({ MediaStorageSOPInstanceUID: values.SOPInstanceUID }),
    };
  dict.dict = DicomMetaDictionary.denaturalizeDataset(ds);
  return new Uint8Array(dict.write());
}

/** A minimal SR as libs/dicom writes them (Manufacturer "mic"), built with dcmjs. */
function micSr(): Uint8Array {
  const { DicomMetaDictionary, DicomDict } = dcmjs.data;
  const sopClass = '1.2.840.10008.5.1.4.1.1.88.34';
  const sop = `2.25.${BigInt('0x' + randomBytes(8).toString('hex'))}`;
  const dict = new DicomDict(
    DicomMetaDictionary.denaturalizeDataset({
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: sopClass,
      MediaStorageSOPInstanceUID: sop,
      TransferSyntaxUID: '1.2.840.10008.1.2.1',
      ImplementationClassUID: '2.25.1',
    }),
  );
  dict.dict = DicomMetaDictionary.denaturalizeDataset({
    SOPClassUID: sopClass,
    SOPInstanceUID: sop,
    StudyInstanceUID: `${sop}.1`,
    SeriesInstanceUID: `${sop}.2`,
    Modality: 'SR',
    Manufacturer: 'mic',
    PatientID: 'SOMEONE',
  });
  return new Uint8Array(dict.write());
}
