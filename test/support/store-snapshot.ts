/**
 * A snapshot of everything a ctrimg root holds (every file and directory, and every database
 * row), so a test can assert that a failed command left the store exactly as it was.
 */
import { readdir, lstat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';

export interface StoreSnapshot {
  files: string[];
  rows: Record<string, unknown[]>;
}

async function walk(root: string, dir: string, out: string[]): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    const rel = relative(root, path);
    if (/^ctrimg\.db(-wal|-shm)?$/.test(rel)) continue;
    const st = await lstat(path);
    out.push(st.isDirectory() ? `${rel}/` : `${rel} ${st.size}`);
    if (st.isDirectory()) await walk(root, path, out);
  }
}

export async function snapshotStore(root: string): Promise<StoreSnapshot> {
  const files: string[] = [];
  await walk(root, root, files);
  const db = new Database(join(root, 'ctrimg.db'), { readonly: true, fileMustExist: true });
  try {
    const rows: Record<string, unknown[]> = {};
    for (const t of ['sources', 'images', 'layers', 'image_layers', 'containers']) {
      rows[t] = db.prepare(`SELECT * FROM ${t} ORDER BY rowid`).all();
    }
    return { files: files.sort(), rows };
  } finally {
    db.close();
  }
}

/** Files under blobs/, layers/ and containers/ (not the directories themselves). */
export function storedContent(s: StoreSnapshot): string[] {
  return s.files.filter((f) => /^(blobs\/sha256|layers|containers|ingest)\/./.test(f));
}
