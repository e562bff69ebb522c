export interface Part {
  headers: Record<string, string>;
  body: Uint8Array;
}

export class MultipartError extends Error {}

/** The boundary and type parameters of a multipart/related Content-Type header. */
export function parseContentType(header: string | undefined): { mediaType: string; params: Record<string, string> } {
  const [mediaType, ...rest] = (header ?? '').split(';');
  const params: Record<string, string> = {};
  for (const p of rest) {
    const i = p.indexOf('=');
    if (i < 0) continue;
    params[p.slice(0, i).trim().toLowerCase()] = p
      .slice(i + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return { mediaType: mediaType.trim().toLowerCase(), params };
}

/** Splits a multipart body (RFC 2046) into parts; throws MultipartError when the framing is broken. */
export function parseMultipart(body: Uint8Array, boundary: string): Part[] {
  if (!boundary) throw new MultipartError('multipart body without a boundary parameter');
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const delimiter = Buffer.from(`--${boundary}`);
  let pos = buf.indexOf(delimiter);
  if (pos < 0) throw new MultipartError('boundary not found in the body');
  const parts: Part[] = [];
  for (;;) {
    pos += delimiter.length;
    if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) return parts; // closing delimiter "--"
    const headerStart = buf.indexOf('\r\n', pos) + 2;
    const headerEnd = buf.indexOf('\r\n\r\n', headerStart - 2);
    if (headerStart < 2 || headerEnd < 0) throw new MultipartError('part without a header block');
    const headers: Record<string, string> = {};
    for (const line of buf.subarray(headerStart, headerEnd).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const next = buf.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw new MultipartError('part not terminated by the boundary');
    parts.push({ headers, body: new Uint8Array(buf.subarray(headerEnd + 4, next)) });
    pos = next + 2;
  }
}
