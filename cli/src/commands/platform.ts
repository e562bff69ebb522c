import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { createCatalogPool, eraseStudy, getStudy, listStudies, migrate, studyFootprint, type Pool } from '@mic/catalog';
import type { Config } from '@mic/config';
import { analysisQueue, deadLetters, queueDepths, removeJobs, replayDeadLetters } from '@mic/queue';
import { createS3Client } from '@mic/storage';
import { configFor } from '../context.js';
import { CliError } from '../errors.js';

async function withCatalog<T>(config: Config, fn: (pool: Pool) => Promise<T>): Promise<T> {
  const pool = createCatalogPool(config, { max: 1 });
  pool.on('error', () => undefined);
  try {
    await migrate(pool, config.catalog.schema);
    return await fn(pool);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`catalogue: ${(err as Error).message}`, 3);
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** Queue calls fail fast with one line when Redis does not answer (BullMQ would otherwise wait for it). */
async function withRedis<T>(fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CliError('queue: Redis did not answer within 10 s', 3)), 10_000);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`queue: ${(err as Error).message}`, 3);
  } finally {
    clearTimeout(timer);
  }
}

/** One answer of the store's multi-object delete (an entry per object it could not delete). */
type Removal = { Error?: { Code?: string; Message?: string; Key?: string } } | null | undefined;

const print = (json: boolean, value: unknown, text: () => string) =>
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text() + '\n');

// `mic studies`, `mic jobs` (pipeline).
export function registerPlatform(program: Command): void {
  const studies = program.command('studies').description('the catalogue: de-identified studies and their analyses');
  studies
    .command('list')
    .description('latest studies first')
    .option('--json', 'JSON output')
    .option('--limit <n>', 'how many', '50')
    .option('--society <id>', 'only this society')
    .action(async (opts: { json?: boolean; limit: string; society?: string }, cmd: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit must be a positive integer`, 2);
      const rows = await withCatalog(configFor(cmd), (pool) => listStudies(pool, { limit, society: opts.society }));
      print(!!opts.json, rows, () =>
        rows.length
          ? rows
              .map(
                (s) =>
                  `${s.id}\t${s.society}\t${s.patient}\t${s.seriesCount} series\t${s.instanceCount} instances\t${s.studyUid}`,
              )
              .join('\n')
          : 'no studies',
      );
    });
  studies
    .command('show <id>')
    .description('one study by catalogue id or de-identified Study Instance UID: series, selection, analyses')
    .option('--json', 'JSON output')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const study = await withCatalog(configFor(cmd), (pool) => getStudy(pool, id));
      if (!study) throw new CliError(`no study ${id} in the catalogue`, 4);
      print(!!opts.json, study, () =>
        [
          `study ${study.id} (${study.society}, patient ${study.patient}) ${study.studyUid}`,
          ...study.series.map(
            (s) =>
              `  series ${s.id} ${s.modality ?? '?'} ${s.instanceCount} instances: ` +
              (s.selected
                ? `analysed (${s.analyses.map((a) => `${a.jobId} ${a.status}`).join(', ')})`
                : `not analysed: ${s.notAnalysedReason}`),
          ),
          ...study.quarantined.map((q) => `  quarantined ${q.sourceRef}: ${q.reason}`),
        ].join('\n'),
      );
    });

  studies
    .command('delete <id>')
    .description(
      'erase a study (catalogue id or de-identified UID): its instances and results in the store, its jobs, its catalogue rows and sealed identities; audited',
    )
    .requiredOption('--reason <text>', 'why, for the audit: a withdrawal of consent, a study sent in error')
    .option('--json', 'JSON output')
    .action(async (id: string, opts: { reason: string; json?: boolean }, cmd: Command) => {
      const config = configFor(cmd);
      if (!opts.reason.trim()) throw new CliError('--reason must say why', 2);
      const erased = await withCatalog(config, async (pool) => {
        const study = await getStudy(pool, id);
        if (!study) throw new CliError(`no study ${id} in the catalogue`, 4);
        const footprint = (await studyFootprint(pool, study.id))!;
        // jobs first: a job left behind would analyse a study that is gone
        const jobs = await withRedis(() => removeJobs(config, footprint.jobIds));
        if (jobs.active.length)
          throw new CliError(`study ${study.id} is being analysed now (${jobs.active.join(', ')}): try again after`, 5);
        // then the objects, then the rows: a failure on the way leaves the study listed, and running again finishes
        const results = await createS3Client(config)
          .removeObjects(config.s3.bucket, footprint.objectKeys)
          .catch((err: Error): Removal[] => [{ Error: { Message: err.message } }]);
        const failed = results.find((r) => r?.Error && r.Error.Code !== 'NoSuchKey')?.Error;
        if (failed)
          throw new CliError(
            `object store: ${failed.Key ?? ''} ${failed.Message}; the study is still listed, run again`,
            3,
          );
        const actor = `operator:${userInfo().username}`;
        const erasure = await eraseStudy(pool, study.id, { actor, reason: opts.reason.trim() });
        if (!erasure) throw new CliError(`study ${id} went while it was being erased`, 4);
        return { ...erasure, objects: footprint.objectKeys.length, jobs: jobs.removed.length };
      });
      print(
        !!opts.json,
        erased,
        () =>
          `erased study ${erased.studyId} (${erased.studyUid}): ${erased.series} series, ${erased.instances} instances, ` +
          `${erased.analyses} analyses, ${erased.objects} stored objects, ${erased.jobs} queued jobs, ` +
          `${erased.mappings} sealed identities${erased.patientRemoved ? ', and the patient (no other study)' : ''}`,
      );
    });

  const jobs = program.command('jobs').description('the analysis queue: depths, dead letters, replay');
  jobs
    .command('status')
    .description('jobs per state in the analysis queue')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const queue = analysisQueue(configFor(cmd));
      queue.on('error', () => undefined);
      try {
        const depths = await withRedis(() => queueDepths(queue));
        print(!!opts.json, depths, () =>
          Object.entries(depths)
            .map(([k, v]) => `${k}\t${v}`)
            .join('\n'),
        );
      } finally {
        await queue.close();
      }
    });
  jobs
    .command('dlq')
    .description('jobs that failed every attempt, with the reason')
    .option('--json', 'JSON output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const letters = await withRedis(() => deadLetters(configFor(cmd)));
      print(!!opts.json, letters, () =>
        letters.length
          ? letters.map((l) => `${l.jobId}\t${l.attemptsMade} attempts\t${l.failedAt}\t${l.failedReason}`).join('\n')
          : 'dead-letter queue is empty',
      );
    });
  jobs
    .command('replay [jobIds...]')
    .description('put dead-lettered jobs back on the queue with fresh attempts')
    .option('--all', 'every job in the dead-letter queue')
    .option('--json', 'JSON output')
    .action(async (ids: string[], opts: { all?: boolean; json?: boolean }, cmd: Command) => {
      if (!opts.all && ids.length === 0) throw new CliError('name the job ids to replay, or pass --all', 2);
      const replayed = await withRedis(() => replayDeadLetters(configFor(cmd), opts.all ? undefined : ids));
      const missing = ids.filter((id) => !replayed.includes(id));
      print(!!opts.json, { replayed, missing }, () =>
        [`replayed ${replayed.length} job(s)`, ...missing.map((m) => `not in the dead-letter queue: ${m}`)].join('\n'),
      );
      if (missing.length) process.exitCode = 4;
    });
}
