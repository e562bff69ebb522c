import { describe, expect, it } from '@jest/globals';
import { MultipartError, parseContentType, parseMultipart } from '@mic/ingest';

function body(boundary: string, parts: Buffer[]): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts)
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), p, Buffer.from('\r\n'));
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

describe('multipart/related', () => {
  it('reads the type and boundary parameters', () => {
    const ct = parseContentType('multipart/related; type="application/dicom"; boundary=abc');
    expect(ct).toEqual({ mediaType: 'multipart/related', params: { type: 'application/dicom', boundary: 'abc' } });
  });

  it('splits parts byte-exactly, even when a part contains CRLF and dashes', () => {
    const a = Buffer.from('DICM\r\n--not-the-boundary\r\n\0\xff', 'latin1');
    const b = Buffer.alloc(1000, 7);
    const parts = parseMultipart(body('xyz', [a, b]), 'xyz');
    expect(parts).toHaveLength(2);
    expect(Buffer.from(parts[0].body).equals(a)).toBe(true);
    expect(Buffer.from(parts[1].body).equals(b)).toBe(true);
    expect(parts[0].headers['content-type']).toBe('application/dicom');
  });

  it('fails with a clear error on broken framing', () => {
    expect(() => parseMultipart(Buffer.from('hello'), 'xyz')).toThrow(MultipartError);
    expect(() => parseMultipart(Buffer.from('--xyz\r\nContent-Type: a\r\n\r\nbody'), 'xyz')).toThrow(/terminated/);
    expect(() => parseMultipart(Buffer.from('--xyz--'), '')).toThrow(/boundary/);
  });
});
