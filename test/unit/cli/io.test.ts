import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createIO } from '../../../src/cli/io.js';

function io(stdinText: string, tty: { stdin: boolean; stderr: boolean }) {
  const stdin = new PassThrough();
  const stderr = new PassThrough();
  let prompt = '';
  stderr.on('data', (d: Buffer) => (prompt += d.toString()));
  stdin.end(stdinText);
  const cio = createIO(
    { stdin, stdout: new PassThrough(), stderr },
    { outputFormat: 'Table', quiet: false, verbose: false, debug: false, stdinIsTTY: tty.stdin, stderrIsTTY: tty.stderr, signal: new AbortController().signal },
  );
  return { cio, prompt: () => prompt };
}

describe('cli/io confirm', () => {
  it('asks on a terminal and takes only yes for an answer', async () => {
    const yes = io('y\n', { stdin: true, stderr: true });
    assert.equal(await yes.cio.confirm('Remove image WebApp?'), true);
    assert.match(yes.prompt(), /^Remove image WebApp\? \[Y\] Yes {2}\[N\] No/);
    assert.equal(await io('n\n', { stdin: true, stderr: true }).cio.confirm('Remove?'), false);
    assert.equal(await io('\n', { stdin: true, stderr: true }).cio.confirm('Remove?'), false);
  });

  it('shows a question built from registry text with its control characters escaped', async () => {
    const asked = io('n\n', { stdin: true, stderr: true });
    assert.equal(await asked.cio.confirm('Remove image Evil\x1b[2J\x1b]0;pwned\x07 1.0?'), false);
    assert.match(asked.prompt(), /^Remove image Evil\\x1b\[2J\\x1b\]0;pwned\\x07 1\.0\? \[Y\]/);
    assert.doesNotMatch(asked.prompt(), /[\x1b\x07]/);
  });

  it('never stops a script: without a terminal it proceeds without asking', async () => {
    const piped = io('n\n', { stdin: false, stderr: true });
    assert.equal(await piped.cio.confirm('Remove?'), true);
    assert.equal(piped.prompt(), '');
    assert.equal(await io('n\n', { stdin: true, stderr: false }).cio.confirm('Remove?'), true);
  });

  it('says whether it can ask: only when stdin and stderr are both terminals', () => {
    const can = (stdin: boolean, stderr: boolean) => io('', { stdin, stderr }).cio.canAsk;
    assert.deepEqual([can(true, true), can(false, true), can(true, false), can(false, false)], [true, false, false, false]);
  });
});
