/**
 * Runs ctrimg's cmdlets in the test's own process (src/cli/run.ts runCli, as the executable
 * does), on a store root, with stdin empty and stdout and stderr captured: for what a child
 * process cannot be given, such as a stderr that poses as a terminal, or a clock or zone the
 * test sets.
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { cmdlets } from '../../cmdlets/index.js';
import { runCli } from '../../src/cli/run.js';
import type { CmdletSpec } from '../../src/cli/types.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * runCli over `specs` with stdin empty and stdout and stderr captured; `stderrIsTTY`: stderr poses
 * as a terminal. stdin never does (a test's prompt would wait for ever).
 */
export async function runCaptured(argv: string[], specs: CmdletSpec[], opts: { stderrIsTTY?: boolean } = {}): Promise<InProcessResult> {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: opts.stderrIsTTY === true });
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const stdin = new PassThrough();
  stdin.end();
  const code = await runCli(argv, specs, { stdin, stdout, stderr, stdinIsTTY: false, signals: new EventEmitter() });
  return { code, stdout: out, stderr: err };
}

/** The real cmdlets, on a store root. `terminal`: stderr says it is a terminal (layer progress is drawn on it). */
export async function runInProcess(root: string, argv: string[], opts: { terminal?: boolean } = {}): Promise<InProcessResult> {
  const saved = process.env.CTRIMG_ROOT;
  process.env.CTRIMG_ROOT = root;
  try {
    return await runCaptured(argv, cmdlets, { stderrIsTTY: opts.terminal === true });
  } finally {
    if (saved === undefined) delete process.env.CTRIMG_ROOT;
    else process.env.CTRIMG_ROOT = saved;
  }
}
