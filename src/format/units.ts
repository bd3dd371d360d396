/** Durations, sizes and counts as PowerShell and docker print them. Pure; no I/O. */

const pad2 = (n: number) => String(n).padStart(2, '0');

/** PowerShell TimeSpan style: `hh:mm:ss`, or `d.hh:mm:ss` from one day on; negative → 00:00:00. */
export function formatUptime(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const hms = `${pad2(Math.floor((total % 86400) / 3600))}:${pad2(Math.floor((total % 3600) / 60))}:${pad2(total % 60)}`;
  return days > 0 ? `${days}.${hms}` : hms;
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/**
 * Size as `docker images` shows it: decimal units (1kB = 1000B), three significant digits,
 * trailing zeros dropped: `512B`, `1.23kB`, `12.3MB`, `1GB`. Unlike docker, a value that rounds
 * up to 1000 moves to the next unit (`1MB`, not `1e+03kB`).
 */
export function formatBytes(n: number): string {
  let size = Math.max(0, n);
  let unit = 0;
  while (unit < UNITS.length - 1 && Number(size.toPrecision(3)) >= 1000) {
    size /= 1000;
    unit++;
  }
  return `${Number(size.toPrecision(3))}${UNITS[unit]}`;
}

/** `1 unused layer`, `3 unused layers`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
