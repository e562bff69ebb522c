import { execFileSync } from 'node:child_process';

/** Errors reported by dciodvfy (dicom3tools); warnings are returned apart. */
export function dciodvfy(path: string): { errors: string[]; warnings: string[] } {
  let out: string;
  try {
    out = execFileSync('dciodvfy', [path], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: string };
    if (e.code === 'ENOENT') throw new Error('dciodvfy not found: install dicom3tools (apt-get install dicom3tools)');
    out = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  const lines = out.split('\n');
  return { errors: lines.filter((l) => l.startsWith('Error')), warnings: lines.filter((l) => l.startsWith('Warning')) };
}
