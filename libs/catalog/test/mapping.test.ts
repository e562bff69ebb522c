import { describe, expect, it } from '@jest/globals';
import { openOriginal, readMigrations, sealOriginal } from '@mic/catalog';

const key = 'ab'.repeat(32);

describe('identity mapping encryption', () => {
  it('opens what it sealed, and the sealed bytes do not contain the original', () => {
    const sealed = sealOriginal(key, 'A', 'patient', 'P123', 'LIDC-IDRI-0001');
    expect(sealed.includes(Buffer.from('LIDC-IDRI-0001'))).toBe(false);
    expect(openOriginal(key, 'A', 'patient', 'P123', sealed)).toBe('LIDC-IDRI-0001');
  });

  it('refuses a value moved to another society or pseudonym, or opened with another key', () => {
    const sealed = sealOriginal(key, 'A', 'uid', '2.25.1', '1.2.3');
    expect(() => openOriginal(key, 'B', 'uid', '2.25.1', sealed)).toThrow();
    expect(() => openOriginal(key, 'A', 'uid', '2.25.2', sealed)).toThrow();
    expect(() => openOriginal('cd'.repeat(32), 'A', 'uid', '2.25.1', sealed)).toThrow();
  });

  it('rejects a key of the wrong length', () => {
    expect(() => sealOriginal('abcd', 'A', 'uid', 'x', 'y')).toThrow(/32 bytes/);
  });
});

describe('migrations', () => {
  it('are numbered, unique and start at 1', async () => {
    const m = await readMigrations();
    expect(m[0].version).toBe(1);
    expect(m.map((x) => x.version)).toEqual([...m.map((x) => x.version)].sort((a, b) => a - b));
    expect(m[0].sql).toMatch(/CREATE TABLE studies/);
  });
});
