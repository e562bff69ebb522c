import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dciodvfy } from '../support/dciodvfy.js';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createCatalogPool, migrate, type Pool } from '@mic/catalog';
import { analysisQueue, enqueueAnalysis, type AnalysisJob } from '@mic/queue';
import { createS3Client } from '@mic/storage';
import { startIngest, type IngestService } from '@mic/ingest';
import { startApi } from '@mic/api';
import { createHash, randomBytes } from 'node:crypto';
import { pseudonymUid } from '@mic/dicom';
import type { Queue } from 'bullmq';
import { dataPath } from '../support/data.js';
import { gunzip, parseSliceStack } from '../../services/api/web/slices.js';
import { accessToken, requireService, users } from '../integration/support/stack.js';
import {
  dcmValue,
  deleteFromOrthanc,
  freePort,
  isolatedConfig,
  lidcFiles,
  orthanc,
  read,
  stow,
  storescu,
  waitFor,
} from '../integration/support/ingest.js';
import { freshCopies, startPipeline, WorkerProcess } from './support/worker.js';

jest.setTimeout(240_000);

// One COVID-19 slice is a study of its own: let single-slice series through selection for this run.
const config = await isolatedConfig({
  // settle: a study counts as complete after 5 quiet seconds (storescu on a busy machine pauses between files)
  ingest: { minSlices: 1, settleSeconds: 5 },
  queue: { backoffMs: 500 },
  api: { port: await freePort() },
  worker: { port: await freePort(), lockDurationMs: 4000, stalledIntervalMs: 2000, shutdownGraceMs: 5000 },
});
const s3 = createS3Client(config);

type Row = Record<string, unknown>;

/** The artifacts of one analysis, by kind. */
const KINDS = ['axial', 'coronal', 'lesions', 'lungs', 'report', 'seg', 'slices', 'sr'];

/** An attribute as dcmtk reads it ('' when it is empty or absent). */
function valueOrEmpty(file: string, tag: string): string {
  try {
    return dcmValue(file, tag);
  } catch {
    return '';
  }
}

/** What the hospital's worklist files results by: restored in the SEG/SR sent back, absent from every stored copy. */
const STUDY_IDENTIFIERS = {
  AccessionNumber: '0008,0050',
  StudyID: '0020,0010',
  ReferringPhysicianName: '0008,0090',
  StudyDate: '0008,0020',
  StudyTime: '0008,0030',
  PatientBirthDate: '0010,0030',
  PatientSex: '0010,0040',
};

// Each run sends copies with UIDs of its own: the shared Orthanc may hold the same files from other tests.
const lidc = freshCopies(lidcFiles('LIDC-IDRI-0003'));
const [covid] = freshCopies([dataPath('covid-ny-sbu-slices', 'A098752', 'axial', '19010127-128.dcm')]);
// the same patient's CT 27 days before (a 5 mm slice; the other is 1.25 mm), for the course of the patient
const [covidPrior] = freshCopies([dataPath('covid-ny-sbu-slices', 'A098752', 'axial', '19001231-32.dcm')]);
// A patient id of this run's own: the shared Orthanc may hold an earlier run's copies of this patient, whose late
// StableStudy events would put them in this run's course.
const covidPatient = `A098752-${randomBytes(4).toString('hex')}`;
execFileSync('dcmodify', ['-nb', '-m', `(0010,0020)=${covidPatient}`, covid, covidPrior], { stdio: 'pipe' });
const lidc2 = freshCopies(lidcFiles('LIDC-IDRI-0002'));
const lidc1 = freshCopies(lidcFiles('LIDC-IDRI-0001'));
// An abdominal slice (kidneys, liver, bowel) labelled as chest, as a mislabelled series would be: selected and
// queued, then refused by the engine (no lung).
const [abdomen] = freshCopies([dataPath('covid-ny-sbu-slices', 'A027284', 'axial', '19000925-116.dcm')]);
execFileSync('dcmodify', ['-nb', '-i', '(0018,0015)=CHEST', abdomen], { stdio: 'pipe' });

describe('pipeline: Orthanc -> ingest -> worker -> Orthanc', () => {
  let pool: Pool;
  let queue: Queue<AnalysisJob>;
  let ingest: IngestService;
  let worker: WorkerProcess;
  const rows = async (sql: string, params: unknown[] = []): Promise<Row[]> => (await pool.query(sql, params)).rows;

  /** The catalogue's analysis of the study whose original Study Instance UID is given, once done and sent back. */
  async function doneAnalysis(originalStudyUid: string, ms = 150_000): Promise<Row> {
    const pseudonym = pseudonymUid(config.ingest.societyKey, originalStudyUid);
    return waitFor(`the analysis of ${originalStudyUid} done and written back`, ms, async () => {
      const [a] = await rows(
        `SELECT a.*, st.study_uid, st.id AS study_id, s.series_uid FROM analyses a
         JOIN series s ON s.id = a.series_id JOIN studies st ON st.id = s.study_id
         WHERE st.study_uid = $1 AND a.status = 'done'
           AND (SELECT count(*) FROM writebacks w WHERE w.analysis_id = a.id AND w.status = 'sent') = 2`,
        [pseudonym],
      );
      return a;
    });
  }

  /** SEG and SR instances Orthanc holds in the original study. */
  async function resultsInOrthanc(originalStudyUid: string): Promise<{ seg: string[]; sr: string[]; studyId: string }> {
    const [study] = (await orthanc(config, '/tools/lookup', { method: 'POST', body: originalStudyUid })) as {
      ID: string;
      Type: string;
    }[];
    const series = (await orthanc(config, `/studies/${study.ID}/series`)) as {
      MainDicomTags: { Modality: string };
      Instances: string[];
    }[];
    const of = (m: string) => series.filter((s) => s.MainDicomTags.Modality === m).flatMap((s) => s.Instances);
    return { seg: of('SEG'), sr: of('SR'), studyId: study.ID };
  }

  async function objectBytes(key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of await s3.getObject(config.s3.bucket, key)) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    return key.endsWith('.gz') ? gunzipSync(bytes) : bytes;
  }

  beforeAll(async () => {
    for (const s of ['postgres', 'redis', 'orthanc', 's3', 'keycloak'] as const) await requireService(s);
    pool = createCatalogPool(config);
    await migrate(pool, config.catalog.schema);
    queue = analysisQueue(config);
    queue.on('error', () => undefined);
    for (const f of [lidc[0], covid]) await deleteFromOrthanc(config, dcmValue(f, '0020,000d'));
    ({ ingest, worker } = await startPipeline(config, pool));
  });

  afterAll(async () => {
    await worker?.stop();
    await ingest?.stop();
    // Orthanc would announce these studies as stable a minute later, to whichever ingest follows it next
    const sent = [lidc[0], covid, lidc2[0], lidc1[0], abdomen];
    for (const f of sent) await deleteFromOrthanc(config, dcmValue(f, '0020,000d')).catch(() => undefined);
    await queue?.obliterate({ force: true });
    await queue?.close();
    await pool?.query(`DROP SCHEMA IF EXISTS ${config.catalog.schema} CASCADE`);
    await pool?.end();
  });

  /** An instance's file as Orthanc holds it, in a temporary folder. */
  async function orthancFile(instanceId: string): Promise<string> {
    const file = join(mkdtempSync(join(tmpdir(), 'mic-pacs-')), `${instanceId}.dcm`);
    const { username, password } = config.orthanc;
    const res = await fetch(`http://${config.orthanc.host}:${config.orthanc.httpPort}/instances/${instanceId}/file`, {
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
    });
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    return file;
  }

  it('analyses a LIDC slab and a COVID-19 slice and returns SEG + SR to the original studies', async () => {
    // the COVID-19 patient's CT before first, so the SR of the later one says what changed since
    storescu(config, [covidPrior]);
    await doneAnalysis(dcmValue(covidPrior, '0020,000d'));
    storescu(config, [...lidc, covid]);
    // a single slice holds far less lung than an 11-slice slab: the floor only says the lungs were found
    for (const [files, patient, minLungMl] of [
      [lidc, 'LIDC-IDRI-0003', 300],
      [[covid], covidPatient, 5],
    ] as const) {
      const studyUid = dcmValue(files[0], '0020,000d');
      const seriesUid = dcmValue(files[0], '0020,000e');
      const a = await doneAnalysis(studyUid);
      // the catalogue: de-identified study, results and exact engine versions
      expect(a.study_uid).not.toBe(studyUid);
      const result = a.result as {
        report: { lung: { total: { volumeMl: number } }; typicality: { category: string } };
      };
      expect(result.report.lung.total.volumeMl).toBeGreaterThan(minLungMl);
      expect(['typical', 'indeterminate', 'atypical', 'negative']).toContain(result.report.typicality.category);
      expect(a.versions).toMatchObject({ analysis: expect.any(String), lesions: expect.any(String), device: 'cpu' });
      // the store: every instance and every artifact, none holding an original identifier
      const artifacts = await rows('SELECT kind, object_key FROM artifacts WHERE analysis_id = $1', [a.id]);
      expect(artifacts.map((r) => r.kind).sort()).toEqual(KINDS);
      // the pictures `mic analyze` draws, under the same names
      for (const name of ['axial.png', 'coronal.png']) {
        const png = await objectBytes(artifacts.find((r) => r.kind === name.split('.')[0])!.object_key as string);
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        expect(png.readUInt32BE(16) * png.readUInt32BE(20)).toBeGreaterThan(100 * 100);
      }
      // only the CT images are input (the SEG/SR sent back come round the change feed and are skipped by ingest)
      const instances = await rows(
        'SELECT i.object_key, s.modality FROM instances i JOIN series s ON s.id = i.series_id WHERE s.study_id = $1',
        [a.study_id],
      );
      expect(instances.filter((i) => i.modality === 'CT')).toHaveLength(files.length);
      const identifiers = Object.fromEntries(
        Object.entries(STUDY_IDENTIFIERS).map(([k, tag]) => [k, valueOrEmpty(files[0], tag)]),
      );
      const originals = [patient, studyUid, seriesUid, ...files.map((f) => dcmValue(f, '0008,0018'))];
      // (dates, times and sex are kept, shifted or as they are, by the de-identification profile: not scanned for)
      for (const k of ['AccessionNumber', 'StudyID', 'ReferringPhysicianName'])
        if (identifiers[k]) originals.push(identifiers[k]);
      for (const key of [...instances, ...artifacts].map((r) => r.object_key as string)) {
        const bytes = await objectBytes(key);
        for (const o of originals)
          expect({ key, found: bytes.includes(Buffer.from(o, 'latin1')) }).toEqual({ key, found: false });
      }
      // the PACS: one SEG and one SR in the original study, under the original patient, referencing the original series
      const inPacs = await resultsInOrthanc(studyUid);
      expect({ patient, ...inPacs, logs: inPacs.seg.length ? [] : worker.logs.slice(-30) }).toMatchObject({
        seg: [expect.any(String)],
      });
      expect(inPacs.sr).toHaveLength(1);
      const seg = (await orthanc(config, `/instances/${inPacs.seg[0]}/simplified-tags`)) as Record<string, unknown>;
      expect(seg).toMatchObject({ PatientID: patient, StudyInstanceUID: studyUid, Modality: 'SEG' });
      expect(String(seg.PatientName ?? '')).toBe(valueOrEmpty(files[0], '0010,0010'));
      const sr = (await orthanc(config, `/instances/${inPacs.sr[0]}/simplified-tags`)) as Record<string, unknown>;
      for (const [kind, tags] of [
        ['seg', seg],
        ['sr', sr],
      ] as const)
        for (const [k, v] of Object.entries(identifiers))
          expect({ kind, k, v: String(tags[k] ?? '') }).toEqual({ kind, k, v });
      const refs = seg.ReferencedSeriesSequence as { SeriesInstanceUID: string }[];
      expect(refs[0].SeriesInstanceUID).toBe(seriesUid);
      expect(seg.FrameOfReferenceUID).toBe(dcmValue(files[0], '0020,0052'));
      const sent = await rows('SELECT kind, remote_id FROM writebacks WHERE analysis_id = $1 ORDER BY kind', [a.id]);
      expect(sent).toEqual([
        { kind: 'seg', remote_id: inPacs.seg[0] },
        { kind: 'sr', remote_id: inPacs.sr[0] },
      ]);
    }
  });

  it("writes the change since the patient's CT before into the SR it returns to the PACS", async () => {
    const sr = (await resultsInOrthanc(dcmValue(covid, '0020,000d'))).sr;
    expect(sr).toHaveLength(1);
    const file = await orthancFile(sr[0]);
    expect(dciodvfy(file).errors).toEqual([]);
    const text = execFileSync('dsrdump', ['+Pl', file], { encoding: 'utf8' });
    // days, not dates; two single slices at different levels are not called better or worse
    expect(text).toMatch(/Since the CT 27 days before: not comparable\. Lung volumes differ by \d+ %/);
    // the earlier CT had none before it
    const first = (await resultsInOrthanc(dcmValue(covidPrior, '0020,000d'))).sr;
    expect(execFileSync('dsrdump', ['+Pl', await orthancFile(first[0])], { encoding: 'utf8' })).not.toMatch(
      /Since the CT/,
    );
  });

  it("serves the study's results through the query API: to a researcher, not to another society", async () => {
    const studyUid = dcmValue(lidc[0], '0020,000d');
    const a = await doneAnalysis(studyUid);
    const api = await startApi(config);
    try {
      await api.ready;
      const base = `http://127.0.0.1:${api.port}`;
      const read = async (path: string, user: { username: string; password: string }) =>
        fetch(`${base}${path}`, { headers: { authorization: `Bearer ${await accessToken(user)}` } });
      // Looked up by its de-identified Study Instance UID, as a researcher knows it.
      const res = await read(`/api/v1/studies/${a.study_uid as string}`, users.researcher);
      expect(res.status).toBe(200);
      const study = (await res.json()) as {
        analyses: {
          id: number;
          headline: { category: string };
          artifacts: { name: string; sha256: string; href: string }[];
        }[];
      };
      const shown = study.analyses.find((x) => x.id === Number(a.id))!;
      const report = (a.result as { report: { typicality: { category: string } } }).report;
      expect(shown.headline.category).toBe(report.typicality.category);
      expect(shown.artifacts.map((f) => f.name).sort()).toEqual([
        'axial.png',
        'coronal.png',
        'lesions.nii.gz',
        'lungs.nii.gz',
        'report.json',
        'seg.dcm',
        'slices.bin.gz',
        'sr.dcm',
      ]);
      // The viewer's slice stack: the 512 x 512 slab at 256 x 256, slice for slice, the lungs labelled in it.
      const stackFile = shown.artifacts.find((f) => f.name === 'slices.bin.gz')!;
      const stack = parseSliceStack(
        await gunzip(new Uint8Array(await (await read(stackFile.href, users.researcher)).arrayBuffer())),
      );
      expect(stack.header).toMatchObject({ width: 256, height: 256, slices: lidc.length });
      expect(stack.labels.some((l: number) => (l & 3) === 1) && stack.labels.some((l: number) => (l & 3) === 2)).toBe(
        true,
      );
      // The SEG as the store holds it, byte for byte, and as the catalogue fingerprinted it.
      const seg = shown.artifacts.find((f) => f.name === 'seg.dcm')!;
      const file = await read(seg.href, users.researcher);
      expect(file.headers.get('content-type')).toBe('application/dicom');
      const bytes = Buffer.from(await file.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(seg.sha256);
      expect(bytes.includes(Buffer.from('LIDC-IDRI-0003'))).toBe(false);
      // Its trace, oldest first: stored, queued, analysed, SEG and SR sent back.
      const trace = (await (
        await read(`/api/v1/studies/${a.study_uid as string}/timeline`, users.researcher)
      ).json()) as {
        events: { at: string; event: string; analysisId?: number }[];
        durations: { analysisId: number; analysisS: number; arrivalToResultS: number }[];
      };
      const steps = trace.events.map((e) => e.event.replace(/ \(.*\)$/, '').replace(/ sent to .*$/, ' sent'));
      const order = ['last instance stored', 'job queued', 'analysis started', 'analysis finished', 'SEG sent'];
      const at = order.map((step) => steps.indexOf(step));
      expect({ steps, at }).toMatchObject({ at: [...at].sort((x, y) => x - y) });
      expect(at.every((i) => i >= 0)).toBe(true);
      expect(steps).toContain('SR sent');
      const times = trace.events.map((e) => e.at);
      expect(times).toEqual([...times].sort());
      const d = trace.durations.find((x) => x.analysisId === Number(a.id))!;
      expect(d.analysisS).toBeGreaterThan(0);
      expect(d.arrivalToResultS).toBeGreaterThanOrEqual(d.analysisS);
      // The study was contributed by society A: a member of B is told it does not exist.
      expect((await read(`/api/v1/studies/${a.study_uid as string}`, users.memberB)).status).toBe(404);
      expect((await read(`/api/v1/studies/${a.study_uid as string}/timeline`, users.memberB)).status).toBe(404);
    } finally {
      await api.stop();
    }
  });

  it('follows a patient across CTs: the dates shifted, the interval kept, the follow-up compared', async () => {
    const prior = await doneAnalysis(dcmValue(covidPrior, '0020,000d'));
    const current = await doneAnalysis(dcmValue(covid, '0020,000d'));
    const api = await startApi(config);
    try {
      await api.ready;
      const res = await fetch(`http://127.0.0.1:${api.port}/api/v1/studies/${current.study_uid as string}/course`, {
        headers: { authorization: `Bearer ${await accessToken(users.researcher)}` },
      });
      expect(res.status).toBe(200);
      const course = (await res.json()) as {
        studies: { id: number; studyDate: string }[];
        changes: { fromStudy: number; toStudy: number; intervalDays: number; trend: string; reasons: string[] }[];
        sincePrior: { toStudy: number } | null;
      };
      // one pseudonymous patient, the earlier CT first; its dates are not the hospital's, their distance is
      expect(course.studies.map((x) => x.id)).toEqual([Number(prior.study_id), Number(current.study_id)]);
      expect(course.studies.map((x) => x.studyDate)).not.toContain('19001231');
      expect(course.studies.map((x) => x.studyDate)).not.toContain('19010127');
      expect(course.changes).toHaveLength(1);
      expect(course.changes[0]).toMatchObject({ fromStudy: Number(prior.study_id), intervalDays: 27 });
      // two single slices at different levels (122 and 20 mL of lung here): numbers, but no trend
      expect(course.changes[0].trend).toBe('not comparable');
      expect(course.changes[0].reasons[0]).toMatch(/^lung volumes differ by \d+ %: the two scans do not cover/);
      expect(course.sincePrior?.toStudy).toBe(Number(current.study_id));
    } finally {
      await api.stop();
    }
  });

  it('sends SEG and SR exactly once: the same study again, and a re-run after a lost confirmation', async () => {
    const studyUid = dcmValue(lidc[0], '0020,000d');
    storescu(config, lidc);
    const a = await doneAnalysis(studyUid);
    // a re-run as after a crash between Orthanc's answer and the catalogue's record: same UIDs, same instances
    await pool.query(`UPDATE writebacks SET status = 'pending' WHERE analysis_id = $1`, [a.id]);
    await pool.query(`UPDATE analyses SET status = 'running' WHERE id = $1`, [a.id]);
    const job = (await queue.getJob(a.job_id as string))!;
    const data = job.data;
    await job.remove();
    await enqueueAnalysis(queue, data);
    await waitFor('the re-run to finish', 120_000, async () => {
      const j = await queue.getJob(a.job_id as string);
      return j && (await j.getState()) === 'completed' ? true : undefined;
    });
    const sent = await rows(`SELECT status, attempts FROM writebacks WHERE analysis_id = $1`, [a.id]);
    expect(sent).toEqual([
      { status: 'sent', attempts: 1 },
      { status: 'sent', attempts: 1 },
    ]);
    expect(await rows('SELECT id FROM studies WHERE id = $1', [a.study_id])).toHaveLength(1);
    expect(await rows('SELECT id FROM analyses WHERE series_id = $1', [a.series_id])).toHaveLength(1);
    const inPacs = await resultsInOrthanc(studyUid);
    expect([inPacs.seg.length, inPacs.sr.length]).toEqual([1, 1]);
  });

  it('finishes a job whose worker was SIGKILLed mid-analysis, with no duplicate', async () => {
    const files = lidc2;
    const studyUid = dcmValue(files[0], '0020,000d');
    await deleteFromOrthanc(config, studyUid);
    storescu(config, files);
    const pseudonym = pseudonymUid(config.ingest.societyKey, studyUid);
    const running = await waitFor('an analysis running', 120_000, async () => {
      const [r] = await rows(
        `SELECT a.id, a.job_id, a.series_id FROM analyses a JOIN series s ON s.id = a.series_id
         JOIN studies st ON st.id = s.study_id WHERE st.study_uid = $1 AND a.status = 'running'`,
        [pseudonym],
      );
      return r;
    }).catch(async (err: Error) => {
      const state = await rows('SELECT id, series_id, status, revision, error FROM analyses ORDER BY id');
      throw new Error(
        `${err.message}; analyses ${JSON.stringify(state)}; worker: ${worker.logs.slice(-10).join('\n')}`,
      );
    });
    await worker.kill();
    expect((await queue.getJob(running.job_id as string))!.finishedOn).toBeUndefined();
    worker = new WorkerProcess({ ...config, logLevel: 'info' });
    await worker.start();
    const a = await doneAnalysis(studyUid, 180_000);
    const all = await rows('SELECT id, revision, status FROM analyses WHERE series_id = $1', [running.series_id]);
    expect(all).toEqual([{ id: running.id, revision: 1, status: 'done' }]);
    expect(a.id).toBe(running.id);
    const inPacs = await resultsInOrthanc(studyUid);
    expect([inPacs.seg.length, inPacs.sr.length]).toEqual([1, 1]);
    expect(await rows('SELECT kind FROM artifacts WHERE analysis_id = $1', [a.id])).toHaveLength(KINDS.length);
  });

  it('gives one analysis after an ingest restart mid-study, and finishes the job on SIGTERM before exiting', async () => {
    const files = lidc1;
    const studyUid = dcmValue(files[0], '0020,000d');
    await deleteFromOrthanc(config, studyUid);
    await worker.stop();
    // a grace period longer than the analysis: the job must end done, not left for recovery
    worker = new WorkerProcess({ ...config, logLevel: 'info', worker: { ...config.worker, shutdownGraceMs: 120_000 } });
    await worker.start();
    // ingest stops after 4 of the study's instances and starts again
    await ingest.stop();
    let pulled = 0;
    let stopping: Promise<void> | undefined;
    const first: IngestService = await startIngest(config, {
      onInstance: () => {
        if (++pulled === 4) stopping = first.stop();
      },
    });
    ingest = first; // stopped by afterAll if the test fails before the restart
    await first.ready;
    storescu(config, files);
    await waitFor('ingest to stop after 4 instances', 120_000, async () => (stopping ? true : undefined)).catch(
      async (err: Error) => {
        const pending = await rows('SELECT * FROM feed_pending');
        throw new Error(`${err.message}; ${pulled} pulled; pending ${JSON.stringify(pending)}`);
      },
    );
    await stopping;
    ingest = await startIngest(config);
    await ingest.ready;
    const pseudonym = pseudonymUid(config.ingest.societyKey, studyUid);
    const running = await waitFor('an analysis running', 120_000, async () => {
      const [r] = await rows(
        `SELECT a.id, a.job_id FROM analyses a JOIN series s ON s.id = a.series_id
         JOIN studies st ON st.id = s.study_id WHERE st.study_uid = $1 AND a.status = 'running'`,
        [pseudonym],
      );
      return r;
    });
    expect(await worker.stop()).toBe(0);
    expect(await (await queue.getJob(running.job_id as string))!.getState()).toBe('completed');
    const [a] = await rows(
      `SELECT a.*, st.id AS study_id FROM analyses a JOIN series s ON s.id = a.series_id
       JOIN studies st ON st.id = s.study_id WHERE a.id = $1`,
      [running.id],
    );
    expect(a.status).toBe('done');
    expect(await rows(`SELECT status FROM writebacks WHERE analysis_id = $1`, [a.id])).toEqual([
      { status: 'sent' },
      { status: 'sent' },
    ]);
    expect(await rows('SELECT id FROM studies WHERE id = $1', [a.study_id])).toHaveLength(1);
    expect(await rows('SELECT id FROM analyses WHERE series_id = $1', [a.series_id])).toHaveLength(1);
    const inPacs = await resultsInOrthanc(studyUid);
    expect([inPacs.seg.length, inPacs.sr.length]).toEqual([1, 1]);
    worker = new WorkerProcess({ ...config, logLevel: 'info' });
    await worker.start();
  });

  it('tells the PACS, once, when a series is not analysed and why', async () => {
    storescu(config, [abdomen]);
    const studyUid = dcmValue(abdomen, '0020,000d');
    const pseudonym = pseudonymUid(config.ingest.societyKey, studyUid);
    const failed = await waitFor('the abdominal slice refused and the notice sent', 150_000, async () => {
      const [r] = await rows(
        `SELECT a.id, a.status, a.error FROM analyses a JOIN series s ON s.id = a.series_id
         JOIN studies st ON st.id = s.study_id
         WHERE st.study_uid = $1 AND a.status = 'failed'
           AND EXISTS (SELECT 1 FROM writebacks w WHERE w.analysis_id = a.id AND w.kind = 'notice' AND w.status = 'sent')`,
        [pseudonym],
      );
      return r;
    });
    expect(failed.error).toMatch(/no lung/);
    // In the original study, under the original patient: a text SR and no SEG (an empty map is not a negative).
    const inPacs = await resultsInOrthanc(studyUid);
    expect(inPacs.seg).toEqual([]);
    expect(inPacs.sr).toHaveLength(1);
    const tags = (await orthanc(config, `/instances/${inPacs.sr[0]}/simplified-tags`)) as Record<string, unknown>;
    expect(tags).toMatchObject({
      PatientID: dcmValue(abdomen, '0010,0020'),
      StudyInstanceUID: studyUid,
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.11',
    });
    const file = await orthancFile(inPacs.sr[0]);
    expect(dciodvfy(file).errors).toEqual([]);
    const text = execFileSync('dsrdump', ['+Pl', file], { encoding: 'utf8' });
    expect(text).toMatch(/analysis was not performed on series: no lung/);
    expect(text).toContain(dcmValue(abdomen, '0020,000e'));
  });

  it('quarantines a corrupt DICOM with its reason while the others are analysed', async () => {
    const good = dataPath('covid-ny-sbu-slices', 'A002304', 'axial');
    const { readdirSync } = await import('node:fs');
    const goodFile = `${good}/${readdirSync(good).filter((f) => f.endsWith('.dcm'))[0]}`;
    const whole = read(lidcFiles('LIDC-IDRI-0001')[0]);
    const truncated = whole.subarray(0, whole.length - 5000); // cut inside the pixel data
    const res = await stow(ingest.port, [read(goodFile), truncated]);
    expect(res.status).toBe(202);
    const [q] = await rows(`SELECT reason FROM quarantine WHERE source = 'stow'`);
    expect(q.reason).toMatch(/\w/);
    const done = await waitFor('the good slice analysed', 120_000, async () => {
      const [r] = await rows(
        `SELECT a.id, a.status FROM analyses a JOIN series s ON s.id = a.series_id JOIN studies st ON st.id = s.study_id
         WHERE st.source = 'stow' AND a.status = 'done'`,
      );
      return r;
    });
    // a STOW-RS upload has no PACS to return to: nothing is written back
    expect(await rows('SELECT * FROM writebacks WHERE analysis_id = $1', [done.id])).toHaveLength(0);
  });

  it('serves health, readiness and worker metrics', async () => {
    const base = `http://127.0.0.1:${config.worker.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(await ready.json()).toMatchObject({ checks: { catalog: 'ok', queue: 'ok', store: 'ok', orthanc: 'ok' } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/mic_worker_jobs_total\{[^}]*outcome="done"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/mic_stage_duration_seconds_bucket\{[^}]*stage="analyse"/);
    expect(metrics).toMatch(/mic_queue_depth\{[^}]*queue="analysis"[^}]*state="completed"/);
    // structured logs with the study correlation id
    const line = worker.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'analysis done');
    expect(line).toMatchObject({ service: 'worker', correlationId: expect.stringMatching(/^study-\d+$/) });
  });
});
