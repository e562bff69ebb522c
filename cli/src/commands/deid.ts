import type { Command } from 'commander';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { deidentify, DeidError, DEID_OPTIONS, type DeidMapping, type DeidOption } from '@mic/dicom';
import { CliError } from '../errors.js';
import { filesUnder } from '../files.js';

interface DeidFlags {
  out: string;
  key: string;
  options?: string;
  allowBurnedIn?: boolean;
  mapping?: string;
}

async function listFiles(input: string): Promise<{ root: string; files: string[] }> {
  const info = await stat(input).catch(() => {
    throw new CliError(`input not found: ${input}`, 2);
  });
  if (info.isFile()) return { root: '', files: [input] };
  return { root: input, files: filesUnder(input) };
}

function parseOptions(text: string | undefined): DeidOption[] {
  if (!text) return [];
  const out = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of out)
    if (!DEID_OPTIONS.includes(o as DeidOption))
      throw new CliError(`unknown option "${o}" (known: ${DEID_OPTIONS.join(', ')})`, 2);
  return out as DeidOption[];
}

function merge(into: DeidMapping, from: DeidMapping): void {
  Object.assign(into.patients, from.patients);
  Object.assign(into.uids, from.uids);
}

// `mic deid` (DICOM core, de-identification).
export function registerDeid(program: Command): void {
  program
    .command('deid')
    .description('de-identify DICOM files (PS3.15 Basic Profile; keyed pseudonyms and UIDs)')
    .argument('<input>', 'a DICOM file or a folder of them')
    .requiredOption('--out <dir>', 'output folder')
    .requiredOption('--key <secret>', 'secret key: the same key gives the same pseudonyms across runs')
    .option('--options <list>', `comma-separated: ${DEID_OPTIONS.join(',')}`)
    .option('--allow-burned-in', 'de-identify objects likely to carry burned-in text instead of rejecting them')
    .option('--mapping <file>', 'write the re-identification mapping (pseudonyms, UIDs, date offsets) as JSON')
    .action(async (input: string, flags: DeidFlags) => {
      const options = parseOptions(flags.options);
      const { root, files } = await listFiles(input);
      await mkdir(flags.out, { recursive: true });
      const mapping: DeidMapping = { patients: {}, uids: {}, dateOffsetDays: null };
      const failed: string[] = [];
      let written = 0;
      for (const file of files) {
        const name = root ? relative(root, file) : basename(file);
        try {
          const res = deidentify(await readFile(file), { key: flags.key, options, allowBurnedIn: flags.allowBurnedIn });
          const target = join(flags.out, name);
          await mkdir(join(target, '..'), { recursive: true });
          await writeFile(target, res.bytes);
          merge(mapping, res.mapping);
          written++;
        } catch (err) {
          if (!(err instanceof DeidError) && !(err instanceof Error)) throw err;
          failed.push(`${name}: ${err.message.split('\n')[0]}`);
        }
      }
      if (flags.mapping) await writeFile(flags.mapping, `${JSON.stringify(mapping, null, 2)}\n`);
      process.stdout.write(
        `de-identified ${written} of ${files.length} file(s) into ${flags.out}; ` +
          `${Object.keys(mapping.patients).length} patient(s), ${failed.length} not written\n`,
      );
      for (const line of failed) process.stdout.write(`  not written: ${line}\n`);
      if (failed.length > 0) process.exitCode = 1;
    });
}
