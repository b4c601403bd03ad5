import fs from 'node:fs';
import path from 'node:path';

/** What sendFileToChat takes: a file path, bytes, a Blob/File, or a stream of bytes. */
export type FileSource = string | Uint8Array | ArrayBuffer | Blob | AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>;

/**
 * The file as a Blob with its name. Streams are read into memory once (Market takes at most
 * 5 MB), so a retried upload sends the same bytes again.
 */
export async function toBlob(source: FileSource, fileName?: string, contentType?: string): Promise<{ blob: Blob; name: string }> {
  const type = contentType ?? '';
  if (typeof source === 'string') {
    const blob = await fs.openAsBlob(source, { type });
    return { blob, name: fileName ?? path.basename(source) };
  }
  if (source instanceof Blob) {
    const named = (source as { name?: unknown }).name;
    return { blob: source, name: fileName ?? (typeof named === 'string' && named ? named : 'file') };
  }
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
    return { blob: new Blob([bytes.slice()], { type }), name: fileName ?? 'file' };
  }
  if (typeof (source as ReadableStream).getReader === 'function') {
    const blob = await new Response(source as ReadableStream<Uint8Array>).blob();
    return { blob: type ? new Blob([blob], { type }) : blob, name: fileName ?? 'file' };
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
    chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk));
  }
  const streamName = (source as { path?: unknown }).path;
  return {
    blob: new Blob([new Uint8Array(Buffer.concat(chunks))], { type }),
    name: fileName ?? (typeof streamName === 'string' ? path.basename(streamName) : 'file'),
  };
}
