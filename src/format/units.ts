/** Durations, sizes and ages as PowerShell and docker print them. Pure; no I/O. */

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

/**
 * Age as `docker images` shows CREATED (go-units HumanDuration + " ago"): `Less than a second ago`,
 * `About a minute ago`, `5 minutes ago`, `3 days ago`, `2 weeks ago`, `4 months ago`, `2 years ago`.
 * Times in the future count as now; an unparseable time gives ''.
 */
export function formatRelativeTime(iso: string, now: Date | number = Date.now()): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return '';
  const ms = Math.max(0, (typeof now === 'number' ? now : now.getTime()) - then);
  return `${humanDuration(ms)} ago`;
}

function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(Math.floor(ms / 3_600_000) / 24 / 365)} years`;
}

/** `1 unused layer`, `3 unused layers`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
