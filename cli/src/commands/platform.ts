import type { Command } from 'commander';
import { getStudy, listStudies } from '@mic/catalog';
import { analysisQueue, deadLetters, queueDepths, replayDeadLetters } from '@mic/queue';
import { configFor } from '../context.js';
import { CliError } from '../errors.js';
import { registerErase } from './erase.js';
import { print, withCatalog, withRedis } from './with.js';

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

  registerErase(studies);

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
