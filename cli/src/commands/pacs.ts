import type { Command } from 'commander';
import { findStudies, orthancJson, putRemoteNode, retrieveStudy, type StudyMatch } from '@mic/pacs';
import { configFor } from '../context.js';
import { CliError } from '../errors.js';

/** Instances Orthanc holds of a study (0 when it holds none). */
async function instancesInOrthanc(config: Parameters<typeof orthancJson>[0], studyUid: string): Promise<number> {
  const found = (await orthancJson(config, '/tools/lookup', { method: 'POST', body: studyUid })) as {
    ID: string;
    Type: string;
  }[];
  const study = found.find((f) => f.Type === 'Study');
  if (!study) return 0;
  const stats = (await orthancJson(config, `/studies/${study.ID}/statistics`)) as { CountInstances: number };
  return stats.CountInstances;
}

const failed = (what: string, err: unknown) =>
  new CliError(`${what}: ${err instanceof Error ? err.message : String(err)}`);

// `mic pacs`: query and retrieve from a hospital PACS through the deployment's Orthanc (C-FIND, C-MOVE).
export function registerPacs(program: Command): void {
  const pacs = program
    .command('pacs')
    .description("query and retrieve studies from a hospital PACS into this deployment's Orthanc (C-FIND, C-MOVE)");

  pacs
    .command('add')
    .description('register a PACS (any DICOM node) in Orthanc; it must know Orthanc as a move destination')
    .argument('<name>', 'a name for the node')
    .requiredOption('--aet <title>', "the node's AE title")
    .requiredOption('--host <host>', "the node's host")
    .requiredOption('--port <n>', "the node's DICOM port")
    .action(async (name: string, o: { aet: string; host: string; port: string }, cmd: Command) => {
      const config = configFor(cmd);
      try {
        await putRemoteNode(config, name, { aet: o.aet, host: o.host, port: Number(o.port) });
      } catch (err) {
        throw failed(`cannot register ${name}`, err);
      }
      process.stdout.write(
        `${name}: ${o.aet}@${o.host}:${o.port} registered; it must move to ${config.orthanc.aeTitle} at this ` +
          `Orthanc's DICOM port ${config.orthanc.dicomPort}\n`,
      );
    });

  pacs
    .command('find')
    .description('the studies a registered PACS holds (C-FIND, study level)')
    .argument('<name>', 'the registered node')
    .option('--patient-id <id>', 'patient ID (wildcards * and ? as the node supports them)')
    .option('--date <range>', 'study date YYYYMMDD or YYYYMMDD-YYYYMMDD')
    .option('--accession <number>', 'accession number')
    .option('--modality <m>', 'only studies holding this modality, e.g. CT (where the node supports it)')
    .option('--json', 'JSON output')
    .action(async (name: string, o: Record<string, string | boolean | undefined>, cmd: Command) => {
      const config = configFor(cmd);
      if (typeof o.date === 'string' && !/^\d{8}(-\d{8})?$|^\d{8}-$|^-\d{8}$/.test(o.date))
        throw new CliError(`--date must be YYYYMMDD or a range YYYYMMDD-YYYYMMDD: ${o.date}`, 2);
      let matches: StudyMatch[];
      try {
        matches = await findStudies(config, name, {
          patientId: o.patientId as string | undefined,
          studyDate: o.date as string | undefined,
          accessionNumber: o.accession as string | undefined,
          modality: o.modality as string | undefined,
        });
      } catch (err) {
        throw failed(`query of ${name} failed`, err);
      }
      if (o.json) {
        process.stdout.write(JSON.stringify(matches, null, 2) + '\n');
        return;
      }
      for (const m of matches)
        process.stdout.write(`${m.studyInstanceUid}  ${m.patientId}  ${m.studyDate}  ${m.description}\n`);
      process.stdout.write(`${matches.length} stud${matches.length === 1 ? 'y' : 'ies'}\n`);
    });

  pacs
    .command('retrieve')
    .description("move studies from a registered PACS into this deployment's Orthanc (C-MOVE); ingest takes them on")
    .argument('<name>', 'the registered node')
    .argument('<study-uids...>', 'Study Instance UIDs (from `mic pacs find`)')
    .action(async (name: string, uids: string[], _o: unknown, cmd: Command) => {
      const config = configFor(cmd);
      let failures = 0;
      for (const uid of uids) {
        try {
          await retrieveStudy(config, name, uid);
          process.stdout.write(`${uid}: ${await instancesInOrthanc(config, uid)} instances in Orthanc\n`);
        } catch (err) {
          failures++;
          process.stderr.write(`${uid}: not retrieved: ${err instanceof Error ? err.message : String(err)}\n`);
        }
      }
      if (failures) throw new CliError(`${failures} of ${uids.length} studies not retrieved`);
    });
}
