import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '@mic/cli';
import { dataPath } from '../../test/support/data.js';

jest.setTimeout(120_000);

/** Runs the CLI, returning its exit code and what it wrote. */
async function mic(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => !!out.push(String(c)));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => !!err.push(String(c)));
  try {
    const code = await run(['node', 'mic', ...args]);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

describe('mic compare', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mic-compare-'));
  // one patient of COVID-19-NY-SBU: a 5 mm slice, then 27 days later a 1.25 mm slice at another level
  const slices = ['19001231-32.dcm', '19010127-128.dcm'].map((f) =>
    dataPath('covid-ny-sbu-slices', 'A098752', 'axial', f),
  );

  beforeAll(async () => {
    for (const [i, file] of slices.entries())
      expect((await mic('analyze', file, '--out', join(dir, `ct${i}`))).code).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('compares two analyses of mic analyze, and calls two slices at different levels not comparable', async () => {
    const res = await mic('compare', join(dir, 'ct0'), join(dir, 'ct1', 'report.json'), '--days', '27', '--json');
    expect(res.code).toBe(0);
    const c = JSON.parse(res.out) as { trend: string; intervalDays: number; reasons: string[]; warnings: string[] };
    expect(c).toMatchObject({ trend: 'not comparable', intervalDays: 27 });
    expect(c.reasons[0]).toMatch(/^lung volumes differ by \d+ %: the two scans do not cover the same lung/);
    expect(c.warnings).toEqual(['slice spacing 5 mm then 1.25 mm: thin and thick slices']);
    const text = await mic('compare', join(dir, 'ct0'), join(dir, 'ct1'));
    expect(text.out).toMatch(/^prior: {3}[\d.]+ % \(right/);
    expect(text.out).toContain('trend:   not comparable\n');
  });

  it('finds a CT unchanged against itself', async () => {
    const res = await mic('compare', join(dir, 'ct1'), join(dir, 'ct1'), '--json');
    const c = JSON.parse(res.out) as { trend: string; involvementPercent: { change: number }; warnings: string[] };
    expect(c).toMatchObject({ trend: 'stable', involvementPercent: { change: 0 }, warnings: [] });
  });

  it('mic analyze --prior writes the change into the SR and comparison.json', async () => {
    const out = join(dir, 'ct1-since');
    const res = await mic('analyze', slices[1], '--out', out, '--prior', join(dir, 'ct0'), '--prior-days', '27');
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/Since the CT 27 days before: not comparable\./);
    const c = JSON.parse(readFileSync(join(out, 'comparison.json'), 'utf8')) as { trend: string; intervalDays: number };
    expect(c).toMatchObject({ trend: 'not comparable', intervalDays: 27 });
    expect(Buffer.from(readFileSync(join(out, 'sr.dcm'))).includes('Since the CT 27 days before')).toBe(true);
    // without --prior the SR says nothing of a CT before
    expect(Buffer.from(readFileSync(join(dir, 'ct1', 'sr.dcm'))).includes('Since the CT')).toBe(false);
    const alone = await mic('analyze', slices[1], '--out', join(dir, 'x'), '--prior-days', '3');
    expect(alone.err).toMatch(/--prior-days needs --prior/);
  });

  it('refuses what is not a report, and a bad --days, in one line', async () => {
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ hello: 'world' }));
    const notReport = await mic('compare', join(dir, 'other.json'), join(dir, 'ct1'));
    expect(notReport.code).toBe(1);
    expect(notReport.err).toMatch(/other\.json is not a report of mic analyze/);
    expect((await mic('compare', join(dir, 'missing'), join(dir, 'ct1'))).err).toMatch(/^mic: not found: /);
    const days = await mic('compare', join(dir, 'ct0'), join(dir, 'ct1'), '--days', '-3');
    expect(days.code).toBe(1);
    expect(days.err).toMatch(/--days must be a whole number of days/);
  });
});
