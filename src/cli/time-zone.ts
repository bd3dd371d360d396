/** The process's time zone as docker's Go binary would take it: TZ read at the call, zone files from disk. */
import { open } from 'node:fs/promises';
import { localZone } from '../format/docker/local-zone.js';
import type { Zone } from '../format/docker/tzif.js';

/** Go's limit on a zone file (zoneinfo_read.go, maxFileSize): a larger one is not read. */
const MAX_ZONE_FILE = 10 << 20;
const CHUNK = 64 * 1024;

/** Not cached: TZ may have changed since the last call (the golden tests change it per case). */
export function currentZone(): Promise<Zone> {
  return localZone(process.env.TZ, readZoneFile);
}

/** The file whole, or undefined when it is missing, unreadable or over the limit (TZ=/dev/zero ends). */
export async function readZoneFile(path: string): Promise<Uint8Array | undefined> {
  let file;
  try {
    file = await open(path, 'r');
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const { bytesRead, buffer } = await file.read({ buffer: Buffer.alloc(CHUNK) });
      if (bytesRead === 0) return Buffer.concat(chunks, total);
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      if (total > MAX_ZONE_FILE) return undefined;
    }
  } catch {
    return undefined;
  } finally {
    await file?.close();
  }
}
