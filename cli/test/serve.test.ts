import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { run } from '@mic/cli';

describe('mic serve worker', () => {
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

  it('refuses device gpu with one line before touching any server', async () => {
    process.env.MIC_WORKER_DEVICE = 'gpu';
    expect(await run(['node', 'mic', 'serve', 'worker'])).toBe(1);
    const lines = stderr.join('').trim().split('\n');
    expect(lines).toEqual([expect.stringMatching(/^mic: worker: worker\.device is gpu, .*CPU kernels only/)]);
  });
});
