import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { filesUnder } from '../src/files.js';

describe('filesUnder', () => {
  it('follows links to files and folders, reads each folder once, skips hidden and dangling entries', () => {
    const root = mkdtempSync(join(tmpdir(), 'mic-files-'));
    try {
      const archive = join(root, 'archive');
      mkdirSync(join(archive, 'sub'), { recursive: true });
      writeFileSync(join(archive, 'a.dcm'), 'a');
      writeFileSync(join(archive, 'sub', 'b.dcm'), 'b');
      writeFileSync(join(archive, '.DS_Store'), 'x');
      const study = join(root, 'study');
      mkdirSync(study);
      symlinkSync(join(archive, 'a.dcm'), join(study, 'a.dcm'));
      symlinkSync(join(archive, 'sub'), join(study, 'series'));
      symlinkSync(study, join(study, 'loop'));
      symlinkSync(join(root, 'gone.dcm'), join(study, 'dangling.dcm'));
      expect(filesUnder(study)).toEqual([join(study, 'a.dcm'), join(study, 'series', 'b.dcm')]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
