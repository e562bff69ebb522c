import { describe, expect, it, jest } from '@jest/globals';
import { Worker } from 'bullmq';
import { saveArtifact } from '@mic/catalog';
import { pseudonymUid } from '@mic/dicom';
import { analysisQueue, ANALYSIS_QUEUE, bullConnection } from '@mic/queue';
import { createS3Client } from '@mic/storage';
import { micWith, useUploadPlatform } from './support/platform.js';
import { dcmValue, freePort, isolatedConfig, lidcFiles, read, stow } from './support/ingest.js';
import { freshCopies } from '../e2e/support/worker.js';

jest.setTimeout(120_000);

// `mic studies delete`: a study sent in error, or a patient's withdrawal, leaves nothing of the study behind but the
// audit trail, and the same study sent again is taken afresh by the running ingest.

// Ingest takes uploads only: it cannot reach any Orthanc, so no study another test left there (its StableStudy
// arriving late) is ingested into this run and queued ahead of the study under test.
const config = await isolatedConfig({ orthanc: { httpPort: await freePort() } });
const s3 = createS3Client(config);
const mic = micWith(config);

const platform = useUploadPlatform(config);
const rows = async (sql: string, params: unknown[] = []) => (await platform.pool.query(sql, params)).rows;

/** Whether the identity map still holds the sealed original behind this pseudonym. */
const sealed = async (kind: string, pseudonym: string) =>
  (
    await rows('SELECT 1 FROM identity_map WHERE society_id = $1 AND kind = $2 AND pseudonym = $3', [
      config.ingest.society,
      kind,
      pseudonym,
    ])
  ).length > 0;

describe('mic studies delete', () => {
  /** Uploads the files over STOW-RS; the catalogue id of their study. */
  async function upload(files: string[]): Promise<number> {
    const up = await stow(platform.ingest.port, files.map(read));
    expect(up.status).toBe(200);
    return Number((up.body['00081199'].Value![0]['00081190'].Value![0] as string).split('/')[4]);
  }

  it('erases the study, its objects, jobs, identities and patient; keeps the audit; takes it again afresh', async () => {
    const files = freshCopies(lidcFiles('LIDC-IDRI-0001'));
    const studyId = await upload(files);
    const [study] = await rows(
      `SELECT st.study_uid, p.pseudonym FROM studies st JOIN patients p ON p.id = st.patient_id WHERE st.id = $1`,
      [studyId],
    );
    const [analysis] = await rows(
      'SELECT a.id, a.job_id FROM analyses a JOIN series s ON s.id = a.series_id WHERE s.study_id = $1',
      [studyId],
    );
    const keys = (
      await rows('SELECT i.object_key FROM instances i JOIN series s ON s.id = i.series_id WHERE s.study_id = $1', [
        studyId,
      ])
    ).map((r) => r.object_key as string);
    // a result file, as the worker would have stored
    const resultKey = `results/${study.study_uid}/test/report.json`;
    await s3.putObject(config.s3.bucket, resultKey, Buffer.from('{}'));
    await saveArtifact(platform.pool, {
      analysisId: analysis.id,
      kind: 'report',
      objectKey: resultKey,
      sha256: 'x',
      mediaType: 'application/json',
    });
    const before = analysisQueue(config);
    expect(await before.getJob(analysis.job_id)).toBeDefined();
    await before.close();
    expect(await sealed('uid', study.study_uid)).toBe(true);

    const out = await mic('studies', 'delete', String(studyId), '--reason', 'sent in error', '--json');
    expect(out.stderr).toBe('');
    expect(JSON.parse(out.stdout)).toMatchObject({
      studyId,
      instances: files.length,
      analyses: 1,
      jobs: 1,
      objects: files.length + 1,
      patientRemoved: true,
    });
    expect(await rows('SELECT 1 FROM studies WHERE id = $1', [studyId])).toEqual([]);
    expect(await rows('SELECT 1 FROM instances WHERE object_key = ANY($1)', [keys])).toEqual([]);
    expect(await rows('SELECT 1 FROM patients WHERE pseudonym = $1', [study.pseudonym])).toEqual([]);
    expect(await sealed('uid', study.study_uid)).toBe(false);
    expect(await sealed('patient', study.pseudonym)).toBe(false);
    for (const key of [...keys, resultKey])
      await expect(s3.statObject(config.s3.bucket, key)).rejects.toMatchObject({ code: 'NotFound' });
    const queue = analysisQueue(config);
    expect(await queue.getJob(analysis.job_id)).toBeUndefined();
    await queue.close();
    const audit = await rows(`SELECT action, study_id, detail FROM audit WHERE detail->>'study' = $1`, [
      String(studyId),
    ]);
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['stow.upload', 'analysis.requested']));
    expect(audit.every((a) => a.study_id === null)).toBe(true);
    const [erased] = await rows(`SELECT actor, detail FROM audit WHERE action = 'study.erased'`);
    expect(erased.actor).toMatch(/^operator:/);
    expect(erased.detail).toMatchObject({ studyId, reason: 'sent in error', society: config.ingest.society });
    expect((await mic('studies', 'show', String(studyId))).status).toBe(4);
    expect((await mic('studies', 'delete', String(studyId), '--reason', 'again')).stderr).toMatch(/no study/);

    // the same files again, to the same running ingest (which had the series cached): a new study
    const again = await upload(files);
    expect(again).not.toBe(studyId);
    expect(await rows('SELECT count(*)::int AS n FROM instances WHERE object_key = ANY($1)', [keys])).toEqual([
      { n: files.length },
    ]);
  });

  it("erases every study of a patient named by the hospital's patient id, and no other", async () => {
    const files = freshCopies(lidcFiles('LIDC-IDRI-0003'));
    const first = await upload(files.slice(0, 5));
    const second = await upload(freshCopies(lidcFiles('LIDC-IDRI-0003')).slice(5)); // another study, same patient
    const others = await rows('SELECT id FROM studies WHERE id <> ALL($1)', [[first, second]]);
    expect(others.length).toBeGreaterThan(0);
    const patientId = dcmValue(files[0], '0010,0020');
    const frame = pseudonymUid(config.ingest.societyKey, dcmValue(files[0], '0020,0052'));
    expect(await sealed('uid', frame)).toBe(true);
    const out = await mic('studies', 'delete', '--patient-id', patientId, '--reason', 'consent withdrawn', '--json');
    expect(out.stderr).toBe('');
    const result = JSON.parse(out.stdout);
    expect(result.studies.map((e: { studyId: number }) => e.studyId)).toEqual([first, second]);
    expect(result.studies.map((e: { patientRemoved: boolean }) => e.patientRemoved)).toEqual([false, true]);
    expect(out.stdout).not.toContain(patientId); // only the pseudonym is said
    expect(await rows('SELECT id FROM studies WHERE id <> ALL($1)', [[first, second]])).toEqual(others);
    expect(await rows('SELECT 1 FROM studies WHERE id = ANY($1)', [[first, second]])).toEqual([]);
    // the frame of reference, a UID the catalogue does not list, went with the last study that used it
    expect(await sealed('uid', frame)).toBe(false);
    const none = await mic('studies', 'delete', '--patient-id', patientId, '--reason', 'again');
    expect(none.stdout).toMatch(/no study of patient MIC/);
    expect((await mic('studies', 'delete', '--reason', 'what')).stderr).toMatch(/name a study, or a patient/);
  });

  it('refuses while the study is being analysed, and changes nothing', async () => {
    const queue = analysisQueue(config);
    await queue.obliterate({ force: true }); // only this study's job is waiting
    await queue.close();
    const studyId = await upload(freshCopies(lidcFiles('LIDC-IDRI-0002')));
    // a worker takes the job (and holds its lock) without finishing it
    const worker = new Worker(ANALYSIS_QUEUE, null, {
      connection: bullConnection(config),
      prefix: config.queue.prefix,
      autorun: false,
    });
    try {
      const job = await worker.getNextJob('test-token');
      expect(job).toBeDefined();
      const out = await mic('studies', 'delete', String(studyId), '--reason', 'withdrawn');
      expect(out.status).toBe(5);
      expect(out.stderr).toMatch(/being analysed now .*try again after/);
      expect(await rows('SELECT 1 FROM studies WHERE id = $1', [studyId])).toHaveLength(1);
      await job!.moveToFailed(new Error('test over'), 'test-token');
    } finally {
      await worker.close();
    }
    expect((await mic('studies', 'delete', String(studyId), '--reason', 'withdrawn')).status).toBe(0);
    expect(await rows('SELECT 1 FROM studies WHERE id = $1', [studyId])).toEqual([]);
  });

  it('keeps the sealed frame of reference while another study uses it, and takes it with the last', async () => {
    const files = lidcFiles('LIDC-IDRI-0002');
    const frame = pseudonymUid(config.ingest.societyKey, dcmValue(files[0], '0020,0052'));
    const first = await upload(freshCopies(files.slice(0, 3)));
    const copies = freshCopies(files.slice(3, 6));
    const second = await upload(copies);
    expect(await sealed('uid', frame)).toBe(true);
    expect((await mic('studies', 'delete', String(first), '--reason', 'sent in error')).status).toBe(0);
    // what the second study's write-back needs is still there: study, series, frame of reference, every image
    const needed = [
      ...['0020,000d', '0020,000e', '0020,0052'].map((tag) => dcmValue(copies[0], tag)),
      ...copies.map((f) => dcmValue(f, '0008,0018')),
    ];
    for (const uid of needed) expect(await sealed('uid', pseudonymUid(config.ingest.societyKey, uid))).toBe(true);
    expect((await mic('studies', 'delete', String(second), '--reason', 'sent in error')).status).toBe(0);
    for (const uid of needed) expect(await sealed('uid', pseudonymUid(config.ingest.societyKey, uid))).toBe(false);
  });
});
