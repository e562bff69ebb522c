import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { eraseStudy, getStudy, studyFootprint, type Pool, type StudyErasure } from '@mic/catalog';
import type { Config } from '@mic/config';
import { pseudonymPatientId } from '@mic/dicom';
import { removeJobs } from '@mic/queue';
import { createS3Client } from '@mic/storage';
import { configFor } from '../context.js';
import { CliError } from '../errors.js';
import { print, withCatalog, withRedis } from './with.js';

/** One answer of the store's multi-object delete (an entry per object it could not delete). */
type Removal = { Error?: { Code?: string; Message?: string; Key?: string } } | null | undefined;

type Erased = StudyErasure & { objects: number; jobs: number };

/**
 * Erases one study: its jobs first (a job left behind would analyse a study that is gone; refused while one runs),
 * then its objects, then its rows. A failure on the way leaves the study listed, and running again finishes.
 */
async function eraseOne(config: Config, pool: Pool, studyId: number, reason: string): Promise<Erased> {
  const footprint = await studyFootprint(pool, studyId);
  if (!footprint) throw new CliError(`no study ${studyId} in the catalogue`, 4);
  const jobs = await withRedis(() => removeJobs(config, footprint.jobIds));
  if (jobs.active.length)
    throw new CliError(`study ${studyId} is being analysed now (${jobs.active.join(', ')}): try again after`, 5);
  const results = await createS3Client(config)
    .removeObjects(config.s3.bucket, footprint.objectKeys)
    .catch((err: Error): Removal[] => [{ Error: { Message: err.message } }]);
  const failed = results.find((r) => r?.Error && r.Error.Code !== 'NoSuchKey')?.Error;
  if (failed)
    throw new CliError(`object store: ${failed.Key ?? ''} ${failed.Message}; the study is still listed, run again`, 3);
  const erasure = await eraseStudy(pool, studyId, { actor: `operator:${userInfo().username}`, reason });
  if (!erasure) throw new CliError(`study ${studyId} went while it was being erased`, 4);
  return { ...erasure, objects: footprint.objectKeys.length, jobs: jobs.removed.length };
}

const line = (e: Erased) =>
  `erased study ${e.studyId} (${e.studyUid}): ${e.series} series, ${e.instances} instances, ${e.analyses} analyses, ` +
  `${e.objects} stored objects, ${e.jobs} queued jobs, ${e.mappings} sealed identities` +
  (e.patientRemoved ? ', and the patient (no other study)' : '');

// `mic studies delete`: erasure for a withdrawal of consent or a study sent in error (docs/operations.md).
export function registerErase(studies: Command): void {
  studies
    .command('delete [id]')
    .description(
      "erase a study (catalogue id or de-identified UID), or every study of a patient by the hospital's patient id: instances and results in the store, jobs, catalogue rows, sealed identities; audited",
    )
    .requiredOption('--reason <text>', 'why, for the audit: a withdrawal of consent, a study sent in error')
    .option('--patient-id <id>', "every study of the patient with this id at the hospital (this ingest's society)")
    .option('--issuer <text>', 'the issuer of that patient id, as the hospital sends it (Issuer of Patient ID)', '')
    .option('--json', 'JSON output')
    .action(
      async (
        id: string | undefined,
        opts: { reason: string; patientId?: string; issuer: string; json?: boolean },
        cmd: Command,
      ) => {
        const config = configFor(cmd);
        const reason = opts.reason.trim();
        if (!reason) throw new CliError('--reason must say why', 2);
        if (!id === !opts.patientId) throw new CliError('name a study, or a patient with --patient-id', 2);
        if (id) {
          const erased = await withCatalog(config, async (pool) => {
            const study = await getStudy(pool, id);
            if (!study) throw new CliError(`no study ${id} in the catalogue`, 4);
            return eraseOne(config, pool, study.id, reason);
          });
          print(!!opts.json, erased, () => line(erased));
          return;
        }
        // the pseudonym ingest gave the patient: the original id itself is never stored or logged
        const { society, societyKey } = config.ingest;
        const patient = pseudonymPatientId(societyKey, opts.patientId!, opts.issuer);
        const erased = await withCatalog(config, async (pool) => {
          const { rows } = await pool.query<{ id: string }>(
            `SELECT st.id FROM studies st JOIN patients p ON p.id = st.patient_id
             WHERE p.society_id = $1 AND p.pseudonym = $2 ORDER BY st.id`,
            [society, patient],
          );
          const done: Erased[] = [];
          for (const r of rows) done.push(await eraseOne(config, pool, Number(r.id), reason));
          return done;
        });
        print(!!opts.json, { patient, society, studies: erased }, () =>
          erased.length ? erased.map(line).join('\n') : `no study of patient ${patient} in society ${society}`,
        );
      },
    );
}
