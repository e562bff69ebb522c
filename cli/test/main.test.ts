import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '@mic/cli';

describe('mic CLI shell', () => {
  let stderr: string[];
  beforeEach(() => {
    stderr = [];
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    delete process.env.MIC_WORKER_DEVICE;
    process.exitCode = undefined;
  });

  it('refuses worker device gpu with one line before touching any server', async () => {
    process.env.MIC_WORKER_DEVICE = 'gpu';
    expect(await run(['node', 'mic', 'serve', 'worker'])).toBe(1);
    const lines = stderr.join('').trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^mic: worker: worker\.device is gpu, .*CPU kernels only/)]);
  });

  it('refuses an unknown service with one line and exit 2', async () => {
    expect(await run(['node', 'mic', 'serve', 'bogus'])).toBe(2);
    expect(stderr.join('')).toMatch(/^mic: unknown service "bogus"/);
    expect(stderr.join('').trim().split('\n')).toHaveLength(1);
  });

  it('reports an unknown command through commander with a non-zero code', async () => {
    expect(await run(['node', 'mic', 'no-such-command'])).not.toBe(0);
  });

  it('lists every invalid key of a bad config file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mic-cli-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ queue: { attempts: 0 }, nope: true }));
    const { configFor } = await import('../src/context.js');
    const { Command } = await import('commander');
    const root = new Command('mic').option('--config <file>');
    const sub = root.command('x').action(() => {
      configFor(sub);
    });
    root.exitOverride();
    await expect(root.parseAsync(['node', 'mic', '--config', file, 'x'])).rejects.toThrow(/queue\.attempts[\s\S]*nope/);
  });
});
