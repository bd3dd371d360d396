/**
 * Which zone Go's time.Local is on Unix (zoneinfo_unix.go, initLocal), given TZ and a way to
 * read files: TZ unset is /etc/localtime; TZ empty or "UTC" is UTC; otherwise TZ, less one
 * leading ':', is a file when absolute, else a name looked up in the zoneinfo directories in
 * order. Whatever cannot be read or parsed is UTC. The reading is the caller's: pure here.
 */
import { tzifZone, type Zone } from './tzif.js';

/** Go's platformZoneSources, searched in this order. */
const ZONEINFO_DIRS = ['/usr/share/zoneinfo', '/usr/share/lib/zoneinfo', '/usr/lib/locale/TZ'];

/** Go's UTC: no file, no transitions. */
export const UTC: Zone = () => ({ offset: 0, abbreviation: 'UTC' });

/** A file's whole content, or undefined when it cannot be read. */
export type ReadZoneFile = (path: string) => Promise<Uint8Array | undefined>;

/** The zone Go's time.Local is for `tz` (the TZ variable, undefined when unset). */
export async function localZone(tz: string | undefined, read: ReadZoneFile): Promise<Zone> {
  for (const path of zoneFiles(tz)) {
    const data = await read(path);
    const zone = data && tzifZone(data);
    if (zone) return zone;
  }
  return UTC;
}

/** The files tried for `tz`, in order; none means UTC. */
export function zoneFiles(tz: string | undefined): string[] {
  if (tz === undefined) return ['/etc/localtime'];
  const name = tz.startsWith(':') ? tz.slice(1) : tz;
  if (name === '' || name === 'UTC') return [];
  if (name.startsWith('/')) return [name];
  return ZONEINFO_DIRS.map((dir) => `${dir}/${name}`);
}
