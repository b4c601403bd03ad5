import type { InjectOptions } from 'fastify';

/** One part of a multipart/form-data body; a `filename` makes it a file part. */
export interface Part {
  name: string;
  data: string | Buffer;
  filename?: string;
  contentType?: string;
}

export const BOUNDARY = 'ymchat-test-boundary-7d3f';

/** A multipart/form-data body built by hand, so tests control every header of every part. */
export function multipartBody(parts: Part[], boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"`;
    head += '\r\n';
    if (p.contentType) head += `Content-Type: ${p.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`, 'utf8'), Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data, 'utf8'), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** A POST of the parts to `url`, with the multipart Content-Type. */
export function multipartRequest(url: string, parts: Part[], headers: Record<string, string> = {}): InjectOptions {
  return {
    method: 'POST',
    url,
    payload: multipartBody(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...headers },
  };
}
