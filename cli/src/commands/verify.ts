import { createHash } from 'node:crypto';
import type { Command } from 'commander';
import { catalogGaps, catalogObjects, type CatalogObject } from '@mic/catalog';
import type { Config } from '@mic/config';
import { createS3Client } from '@mic/storage';
import { inLanes } from '@mic/telemetry';
import { configFor } from '../context.js';
import { CliError } from '../errors.js';
import { compareStore, OWN_PREFIXES, type Listed } from '../verify/compare.js';
import { print, withCatalog } from './with.js';

/** Exit status when the check found data lost or damaged. */
const INCONSISTENT = 6;
/** Keys named in the text output (the JSON names up to 20). */
const SHOWN = 5;

async function listStore(config: Config): Promise<Listed[]> {
  const s3 = createS3Client(config);
  const out: Listed[] = [];
  for (const prefix of OWN_PREFIXES) {
    const stream = s3.listObjectsV2(config.s3.bucket, prefix, true);
    for await (const o of stream as AsyncIterable<{ name?: string; size: number; lastModified: Date }>)
      if (o.name) out.push({ key: o.name, size: o.size, lastModified: o.lastModified });
  }
  return out;
}

/** The objects whose bytes no longer hash to what the catalogue recorded (read `lanes` at a time). */
async function hashDiffers(config: Config, objects: CatalogObject[], lanes: number): Promise<string[]> {
  const s3 = createS3Client(config);
  const differs = await inLanes(objects, lanes, async (o) => {
    const hash = createHash('sha256');
    for await (const chunk of await s3.getObject(config.s3.bucket, o.key)) hash.update(chunk as Buffer);
    return hash.digest('hex') === o.sha256 ? null : o.key;
  });
  return differs.filter((k): k is string => k !== null);
}

const some = (keys: string[]) =>
  keys.length ? `: ${keys.slice(0, SHOWN).join(', ')}${keys.length > SHOWN ? ', …' : ''}` : '';

// `mic verify`: do the catalogue and the object store still agree (after a restore, a crash, a disk failure)?
export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description(
      'check that every instance and result file the catalogue lists is in the object store with its size (and with --hash its SHA-256), and list what the store holds that no row refers to; exit 6 when data is lost or damaged',
    )
    .option('--hash', 'read every object and check its SHA-256 (reads the whole store)')
    .option('--lanes <n>', 'objects read at a time with --hash', '8')
    .option('--json', 'JSON output')
    .action(async (opts: { hash?: boolean; lanes: string; json?: boolean }, cmd: Command) => {
      const config = configFor(cmd);
      const lanes = Number(opts.lanes);
      if (!Number.isInteger(lanes) || lanes < 1) throw new CliError('--lanes must be a positive integer', 2);
      const { objects, gaps } = await withCatalog(config, async (pool) => ({
        objects: await catalogObjects(pool),
        gaps: await catalogGaps(pool),
      }));
      const listed = await listStore(config).catch((err: Error) => {
        throw new CliError(`object store: ${err.message}`, 3);
      });
      const compared = compareStore(objects, listed);
      const present = new Set(listed.map((l) => l.key));
      const hashed = opts.hash
        ? await hashDiffers(
            config,
            objects.filter((o) => present.has(o.key)),
            lanes,
          ).catch((err: Error) => {
            throw new CliError(`object store: ${err.message}`, 3);
          })
        : undefined;
      const consistent =
        !compared.missing.length &&
        !compared.sizeDiffers.length &&
        !hashed?.length &&
        !gaps.doneWithoutFiles.length &&
        !gaps.studiesWithoutOriginal.length;
      const report = {
        consistent,
        catalogued: objects.length,
        stored: listed.length,
        storedBytes: listed.reduce((n, l) => n + l.size, 0),
        missing: compared.missing,
        sizeDiffers: compared.sizeDiffers,
        ...(hashed ? { hashChecked: objects.length - compared.missing.length, hashDiffers: hashed } : {}),
        orphans: compared.orphans.length,
        recentOrphans: compared.recentOrphans,
        orphanKeys: compared.orphans.slice(0, 20).map((o) => o.key),
        analysesDoneWithoutFiles: gaps.doneWithoutFiles,
        studiesWithoutSealedOriginal: gaps.studiesWithoutOriginal,
      };
      print(!!opts.json, report, () =>
        [
          `catalogue: ${objects.length} objects; store: ${listed.length} objects under ${OWN_PREFIXES.join(' and ')}, ${(report.storedBytes / 1e9).toFixed(2)} GB`,
          `missing from the store: ${compared.missing.length}${some(compared.missing)}`,
          `size differs: ${compared.sizeDiffers.length}${some(compared.sizeDiffers.map((d) => d.key))}`,
          ...(hashed ? [`SHA-256 differs: ${hashed.length} of ${report.hashChecked} read${some(hashed)}`] : []),
          `in no catalogue row: ${compared.orphans.length}, ${compared.recentOrphans} of them younger than 1 h (may be in ingest now)${some(report.orphanKeys)}`,
          `finished analyses without files: ${gaps.doneWithoutFiles.length}${some(gaps.doneWithoutFiles.map(String))}`,
          `studies without their sealed Study Instance UID (no write-back): ${gaps.studiesWithoutOriginal.length}${some(gaps.studiesWithoutOriginal.map(String))}`,
          consistent
            ? 'consistent'
            : 'NOT consistent: data is missing or damaged (docs/operations.md, "Backup and restore")',
        ].join('\n'),
      );
      if (!consistent) process.exitCode = INCONSISTENT;
    });
}
