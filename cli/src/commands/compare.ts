import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { compareReadings, readingOf, type Comparison, type Reading } from '@mic/analysis';
import { CliError } from '../errors.js';

/** The reading of a report.json, or of the report.json in an analysis folder. */
export function readReport(path: string): Reading {
  let file = path;
  try {
    if (statSync(path).isDirectory()) file = join(path, 'report.json');
  } catch {
    throw new CliError(`not found: ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const reading = readingOf(json);
  if (!reading || reading.involvementPercent === null)
    throw new CliError(`${file} is not a report of mic analyze (no involvement.percent)`);
  return reading;
}

const n = (v: number | null, d: number, unit = '') => (v === null ? '?' : `${v.toFixed(d)}${unit}`);
const line = (r: Reading) =>
  `${n(r.involvementPercent, 2, ' %')} (right ${n(r.rightPercent, 1)} / left ${n(r.leftPercent, 1)}), ` +
  `GGO ${n(r.ggoMl, 1, ' mL')}, consolidation ${n(r.consolidationMl, 1, ' mL')}, ${r.ctBand ?? '?'}, ${r.category ?? '?'}`;

function text(prior: Reading, current: Reading, c: Comparison): string {
  const out = [`prior:   ${line(prior)}`, `current: ${line(current)}`];
  out.push(`trend:   ${c.trend}${c.intervalDays === null ? '' : ` in ${c.intervalDays} days`}`);
  for (const r of c.reasons) out.push(`  - ${r}`);
  for (const w of c.warnings) out.push(`  ! ${w}`);
  return out.join('\n');
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description("a follow-up CT against the one before, from two analyses' reports: change and trend with reasons")
    .argument('<prior>', 'report.json (or the folder of `mic analyze --out`) of the earlier CT')
    .argument('<current>', 'report.json (or folder) of the later CT')
    .option('--days <n>', 'days between the two CTs, when known')
    .option('--json', 'JSON output')
    .action((priorPath: string, currentPath: string, opts: { days?: string; json?: boolean }) => {
      const days = opts.days === undefined ? null : Number(opts.days);
      if (days !== null && !(Number.isInteger(days) && days >= 0))
        throw new CliError(`--days must be a whole number of days, not ${opts.days}`);
      const prior = readReport(priorPath);
      const current = readReport(currentPath);
      const c = compareReadings(prior, current, days);
      process.stdout.write(`${opts.json ? JSON.stringify(c, null, 2) : text(prior, current, c)}\n`);
    });
}
