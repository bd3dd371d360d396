/**
 * Bench support: turns the samples into the summary table and the target verdicts.
 */
import { PEER_CONTAINERD, PEER_CTRIMG, PEER_CTRIMG_SECOND, type Sample } from './peers.js';
import { stats, type Stats } from './measure.js';

export interface PeerSummary {
  peer: string;
  runs: number;
  wallS: Stats;
  /** Highest peak RSS of the client over all runs, MiB. */
  peakRssMiB: number;
  daemonPeakMiB?: number;
  daemonDeltaMiB?: number;
  /** Median wall time over the fastest peer's (for big:2, over ctrimg's big:1 median). */
  ratio: number;
}

export interface Target {
  name: string;
  limit: string;
  measured: string;
  pass: boolean;
}

export function summarize(samples: Sample[], peers: string[]): PeerSummary[] {
  const rows = peers.map((peer) => {
    const own = samples.filter((s) => s.peer === peer);
    const daemon = own.filter((s) => s.daemonPeakMiB !== undefined);
    return {
      peer,
      runs: own.length,
      wallS: stats(own.map((s) => s.wallS)),
      peakRssMiB: Math.max(...own.map((s) => s.rssMiB)),
      ...(daemon.length > 0
        ? {
            daemonPeakMiB: Math.max(...daemon.map((s) => s.daemonPeakMiB!)),
            daemonDeltaMiB: Math.max(...daemon.map((s) => s.daemonDeltaMiB!)),
          }
        : {}),
      ratio: 0,
    };
  });
  const compared = rows.filter((r) => r.peer !== PEER_CTRIMG_SECOND);
  const fastest = Math.min(...compared.map((r) => r.wallS.median));
  const first = rows.find((r) => r.peer === PEER_CTRIMG)!;
  for (const r of rows) r.ratio = r.wallS.median / (r.peer === PEER_CTRIMG_SECOND ? first.wallS.median : fastest);
  return rows;
}

export function targets(rows: PeerSummary[]): Target[] {
  const byName = (p: string) => rows.find((r) => r.peer === p)!;
  const ours = byName(PEER_CTRIMG);
  const second = byName(PEER_CTRIMG_SECOND);
  const others = rows.filter((r) => r.peer !== PEER_CTRIMG && r.peer !== PEER_CTRIMG_SECOND);
  const fastestOther = others.reduce((a, b) => (b.wallS.median < a.wallS.median ? b : a));
  const vsFastest = ours.wallS.median / fastestOther.wallS.median;
  const secondRatio = second.wallS.median / ours.wallS.median;
  return [
    {
      name: `ctrimg wall time vs fastest peer (${fastestOther.peer})`,
      limit: '<= 0.80x',
      measured: `${vsFastest.toFixed(2)}x`,
      pass: vsFastest <= 0.8,
    },
    {
      name: 'ctrimg peak RSS (big:1 and big:2 installs)',
      limit: '<= 150 MiB',
      measured: `${Math.max(ours.peakRssMiB, second.peakRssMiB).toFixed(0)} MiB`,
      pass: Math.max(ours.peakRssMiB, second.peakRssMiB) <= 150,
    },
    {
      name: 'ctrimg big:2 (one new small layer) vs big:1',
      limit: '< 0.10x',
      measured: `${secondRatio.toFixed(3)}x`,
      pass: secondRatio < 0.1,
    },
  ];
}

function table(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export function renderReport(rows: PeerSummary[], verdicts: Target[]): string {
  const rss = (r: PeerSummary) =>
    r.peer === PEER_CONTAINERD && r.daemonPeakMiB !== undefined
      ? `ctr ${r.peakRssMiB.toFixed(0)}; daemon +${r.daemonDeltaMiB!.toFixed(0)} (peak ${r.daemonPeakMiB.toFixed(0)})`
      : r.peakRssMiB.toFixed(0);
  const perf = table(
    ['peer', 'runs', 'median s', 'min s', 'max s', 'peak RSS MiB', 'ratio'],
    rows.map((r) => [
      r.peer,
      String(r.runs),
      r.wallS.median.toFixed(2),
      r.wallS.min.toFixed(2),
      r.wallS.max.toFixed(2),
      rss(r),
      `${r.ratio.toFixed(2)}x${r.peer === PEER_CTRIMG_SECOND ? ' of ctrimg' : ''}`,
    ]),
  );
  const goals = table(
    ['target', 'limit', 'measured', 'result'],
    verdicts.map((t) => [t.name, t.limit, t.measured, t.pass ? 'PASS' : 'FAIL']),
  );
  return `${perf}\n\nratio: median wall time over the fastest peer's median\n\n${goals}\n`;
}
