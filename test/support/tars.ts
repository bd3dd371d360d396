/** Test helpers: in-memory layer tars and temp roots. */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import tar, { type Header } from 'tar-stream';

export type TarEntry = Partial<Header> & { name: string; data?: string | Buffer };

export const file = (name: string, data = '', extra: Partial<Header> = {}): TarEntry => ({ name, data, ...extra });
export const dir = (name: string, extra: Partial<Header> = {}): TarEntry => ({ name, type: 'directory', ...extra });
export const symlink = (name: string, linkname: string): TarEntry => ({ name, type: 'symlink', linkname });
export const hardlink = (name: string, linkname: string): TarEntry => ({ name, type: 'link', linkname });

export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { data, ...header } of entries) {
    if (data === undefined) pack.entry(header);
    else pack.entry(header, data);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function tarStream(entries: TarEntry[], gzip = false): Promise<Readable> {
  const bytes = await makeTar(entries);
  return Readable.from([gzip ? gzipSync(bytes) : bytes]);
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A fresh temp directory for one test; `cleanup` removes it. */
export async function tempRoot(): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'ctrimg-layers-'));
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Every path under `root`, relative and sorted, directories with a trailing '/'. */
export async function listTree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .map((e) => {
      const rel = join(e.parentPath, e.name).slice(root.length + 1);
      return e.isDirectory() ? `${rel}/` : rel;
    })
    .sort();
}

/**
 * One raw tar entry (header and padded data, no end-of-archive blocks) with a type flag that
 * tar-stream cannot write, e.g. 'g' (PAX global header) or 'L' (GNU long name).
 */
export async function rawEntry(typeflag: string, name: string, data: string): Promise<Buffer> {
  const bytes = await makeTar([file(name, data)]);
  const entry = Buffer.from(bytes.subarray(0, bytes.length - 1024));
  entry.write(typeflag, 156, 'latin1');
  entry.fill(' ', 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += entry[i]!;
  entry.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return entry;
}

/** PAX extended header records: `<length> <key>=<value>\n`, the length counting itself. */
export function paxRecords(records: Record<string, string>): string {
  return Object.entries(records)
    .map(([key, value]) => {
      const rest = ` ${key}=${value}\n`;
      let length = Buffer.byteLength(rest);
      while (String(length).length + Buffer.byteLength(rest) !== length) length = String(length).length + Buffer.byteLength(rest);
      return `${length}${rest}`;
    })
    .join('');
}
