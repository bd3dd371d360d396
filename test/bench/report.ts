/**
 * Bench support: turns the samples into a summary per shape and the target verdicts.
 */
import { PEER_CONTAINERD, PEER_CTRIMG, PEER_CTRIMG_SECOND, type Sample } from './peers.js';
import { stats, type Stats } from './measure.js';

export interface PeerSummary {
  shape: string;
  peer: string;
  runs: number;
  wallS: Stats;
  cpuS: Stats;
  /** Highest peak RSS of the client over all runs, MiB. */
  peakRssMiB: number;
  daemonPeakMiB?: number;
  daemonDeltaMiB?: number;
  /** Median wall time over the fastest peer's (for :2, over ctrimg's :1 median). */
  ratio: number;
}

export interface Target {
  name: string;
  limit: string;
  measured: string;
  pass: boolean;
}

/** Wall time at most this share of the fastest peer's; peak RSS at most this many MiB. */
const WALL_RATIO = 0.8;
const RSS_MIB = 120;
/** The 1 GiB layer's peak RSS over the 100 MiB layer's: flat in layer size, within noise. */
const FLAT_RATIO = 1.05;

/** One row per peer that has samples of `shape`, in the order of `peers`. */
export function summarize(samples: Sample[], shape: string, peers: string[]): PeerSummary[] {
  const rows = peers.flatMap((peer) => {
    const own = samples.filter((s) => s.shape === shape && s.peer === peer);
    if (own.length === 0) return [];
    const daemon = own.filter((s) => s.daemonPeakMiB !== undefined);
    return [
      {
        shape,
        peer,
        runs: own.length,
        wallS: stats(own.map((s) => s.wallS)),
        cpuS: stats(own.map((s) => s.cpuS)),
        peakRssMiB: Math.max(...own.map((s) => s.rssMiB)),
        ...(daemon.length > 0
          ? {
              daemonPeakMiB: Math.max(...daemon.map((s) => s.daemonPeakMiB!)),
              daemonDeltaMiB: Math.max(...daemon.map((s) => s.daemonDeltaMiB!)),
            }
          : {}),
        ratio: 0,
      },
    ];
  });
  const compared = rows.filter((r) => r.peer !== PEER_CTRIMG_SECOND);
  const fastest = Math.min(...compared.map((r) => r.wallS.median));
  const first = rows.find((r) => r.peer === PEER_CTRIMG)!;
  for (const r of rows) r.ratio = r.wallS.median / (r.peer === PEER_CTRIMG_SECOND ? first.wallS.median : fastest);
  return rows;
}

/** The targets one shape's rows must meet: wall time against the fastest peer, peak RSS, and :2 after :1 where measured. */
/** `wall`: the shape has a wall-time target (every shape but the flat-memory reference). */
export function targets(rows: PeerSummary[], { wall = true }: { wall?: boolean } = {}): Target[] {
  const byName = (p: string) => rows.find((r) => r.peer === p);
  const ours = byName(PEER_CTRIMG)!;
  const second = byName(PEER_CTRIMG_SECOND);
  const others = rows.filter((r) => r.peer !== PEER_CTRIMG && r.peer !== PEER_CTRIMG_SECOND);
  const fastestOther = others.reduce((a, b) => (b.wallS.median < a.wallS.median ? b : a));
  const vsFastest = ours.wallS.median / fastestOther.wallS.median;
  const rss = Math.max(ours.peakRssMiB, second?.peakRssMiB ?? 0);
  const out: Target[] = [];
  if (wall) {
    out.push({
      name: `${ours.shape}: ctrimg wall time vs fastest peer (${fastestOther.peer})`,
      limit: `<= ${WALL_RATIO.toFixed(2)}x`,
      measured: `${vsFastest.toFixed(2)}x`,
      pass: vsFastest <= WALL_RATIO,
    });
  }
  out.push(
    {
      name: `${ours.shape}: ctrimg peak RSS`,
      limit: `<= ${RSS_MIB} MiB`,
      measured: `${rss.toFixed(0)} MiB`,
      pass: rss <= RSS_MIB,
    },
  );
  if (second) {
    const secondRatio = second.wallS.median / ours.wallS.median;
    out.push({ name: `${ours.shape}: ctrimg :2 (one new small layer) vs :1`, limit: '< 0.10x', measured: `${secondRatio.toFixed(3)}x`, pass: secondRatio < 0.1 });
  }
  return out;
}

/** Memory flat in layer size: ctrimg's peak RSS on the 1 GiB layer against that on the 100 MiB one. */
export function flatMemory(small: PeerSummary[], large: PeerSummary[]): Target {
  const a = small.find((r) => r.peer === PEER_CTRIMG)!;
  const b = large.find((r) => r.peer === PEER_CTRIMG)!;
  const ratio = b.peakRssMiB / a.peakRssMiB;
  return {
    name: `ctrimg peak RSS, ${b.shape} over ${a.shape}`,
    limit: `<= ${FLAT_RATIO.toFixed(2)}x`,
    measured: `${ratio.toFixed(2)}x (${b.peakRssMiB.toFixed(0)} / ${a.peakRssMiB.toFixed(0)} MiB)`,
    pass: ratio <= FLAT_RATIO,
  };
}

export function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export function renderRows(rows: PeerSummary[]): string {
  const rss = (r: PeerSummary) =>
    r.peer === PEER_CONTAINERD && r.daemonPeakMiB !== undefined
      ? `ctr ${r.peakRssMiB.toFixed(0)}; daemon +${r.daemonDeltaMiB!.toFixed(0)} (peak ${r.daemonPeakMiB.toFixed(0)})`
      : r.peakRssMiB.toFixed(0);
  return table(
    ['shape', 'peer', 'runs', 'median s', 'min s', 'max s', 'CPU s', 'peak RSS MiB', 'ratio'],
    rows.map((r) => [
      r.shape,
      r.peer,
      String(r.runs),
      r.wallS.median.toFixed(2),
      r.wallS.min.toFixed(2),
      r.wallS.max.toFixed(2),
      r.cpuS.median.toFixed(2),
      rss(r),
      `${r.ratio.toFixed(2)}x${r.peer === PEER_CTRIMG_SECOND ? ' of ctrimg' : ''}`,
    ]),
  );
}

export function renderTargets(verdicts: Target[]): string {
  return table(
    ['target', 'limit', 'measured', 'result'],
    verdicts.map((t) => [t.name, t.limit, t.measured, t.pass ? 'PASS' : 'FAIL']),
  );
}

export const LEGEND =
  'median s: wall time; CPU s: median user+sys of every process of the install (containerd: ctr and the daemon with its unpigz);\n' +
  'ratio: median wall time over the fastest peer\'s median of the same shape';
