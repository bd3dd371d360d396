import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { decide, type Confirmation } from '../../../src/cli/confirm.js';
import { withCmdletHint } from '../../../src/cli/hints.js';
import { createIO } from '../../../src/cli/io.js';
import type { CmdletSpec, ErrorAction } from '../../../src/cli/types.js';
import { CtrimgError, dependent, notFound } from '../../../src/errors.js';

interface Setup {
  stdin?: boolean;
  stderr?: boolean;
  confirmation?: Partial<Confirmation>;
  verbose?: boolean;
  quiet?: boolean;
  errorAction?: ErrorAction;
  hinted?: (err: unknown) => unknown;
}

function io(stdinText: string, s: Setup = {}) {
  const stdin = new PassThrough();
  const stderr = new PassThrough();
  let written = '';
  stderr.on('data', (d: Buffer) => (written += d.toString()));
  stdin.end(stdinText);
  const cio = createIO(
    { stdin, stdout: new PassThrough(), stderr },
    {
      cmdlet: 'Remove-ContainerImage',
      hinted: s.hinted ?? ((err) => err),
      outputFormat: 'Table',
      quiet: s.quiet ?? false,
      verbose: s.verbose ?? false,
      debug: false,
      errorAction: s.errorAction ?? 'Continue',
      confirmation: { impact: 'High', whatIf: false, force: false, ...s.confirmation },
      stdinIsTTY: s.stdin ?? true,
      stderrIsTTY: s.stderr ?? true,
      signal: new AbortController().signal,
    },
  );
  return { cio, stderr: () => written };
}

const refusal = (err: unknown) => err instanceof CtrimgError && err.code === 'CONFIRMATION_REQUIRED' && err.exitCode === 2;

describe('cli/confirm: when a change is asked about', () => {
  const c = (o: Partial<Confirmation>): Confirmation => ({ whatIf: false, force: false, ...o });
  it('-WhatIf wins over everything, an explicit -Confirm over -Force, and High asks unless -Force', () => {
    assert.equal(decide(c({ impact: 'High', whatIf: true, confirm: true })), 'WhatIf');
    assert.equal(decide(c({ impact: 'High', force: true, confirm: true })), 'Ask');
    assert.equal(decide(c({ impact: 'Medium', confirm: true })), 'Ask');
    assert.equal(decide(c({ impact: 'High', confirm: false })), 'Proceed');
    assert.equal(decide(c({ impact: 'High' })), 'Ask');
    assert.equal(decide(c({ impact: 'High', force: true })), 'Proceed');
    assert.equal(decide(c({ impact: 'Medium' })), 'Proceed');
    assert.equal(decide(c({})), 'Proceed');
  });

  it("a question's own impact 'High' asks, in a Medium cmdlet, as a High cmdlet's would", () => {
    assert.equal(decide(c({ impact: 'Medium' }), 'High'), 'Ask');
    assert.equal(decide(c({ impact: 'Medium', force: true }), 'High'), 'Proceed');
    assert.equal(decide(c({ impact: 'Medium', confirm: false }), 'High'), 'Proceed');
    assert.equal(decide(c({ impact: 'Medium', whatIf: true }), 'High'), 'WhatIf');
  });
});

describe('cli/io shouldProcess', () => {
  it('asks on a terminal as PowerShell does, and takes only yes for an answer', async () => {
    const yes = io('y\n');
    assert.equal(await yes.cio.shouldProcess('WebApp 1.2.0.0', 'Remove'), true);
    assert.match(
      yes.stderr(),
      /^Confirm\nAre you sure you want to perform this action\?\nPerforming the operation "Remove" on target "WebApp 1\.2\.0\.0"\.\n\[Y\] Yes {2}\[A\] Yes to All {2}\[N\] No {2}\[L\] No to All {2}\(default is "N"\): /,
    );
    assert.equal(await io('n\n').cio.shouldProcess('x', 'Remove'), false);
    assert.equal(await io('\n').cio.shouldProcess('x', 'Remove'), false, 'the default is No');
    assert.equal(await io('maybe\n').cio.shouldProcess('x', 'Remove'), false);
  });

  it('Yes to All and No to All answer for every later object without asking again', async () => {
    for (const [answer, expected] of [['a', true], ['l', false]] as const) {
      const all = io(`${answer}\n`);
      assert.equal(await all.cio.shouldProcess('one', 'Remove'), expected);
      assert.equal(await all.cio.shouldProcess('two', 'Remove'), expected);
      assert.equal(all.stderr().match(/\[Y\] Yes/g)?.length, 1, 'asked once');
    }
  });

  it('shows a target built from registry text with its control characters escaped', async () => {
    const asked = io('n\n');
    assert.equal(await asked.cio.shouldProcess('Evil\x1b[2J\x1b]0;pwned\x07 1.0', 'Remove'), false);
    assert.match(asked.stderr(), /on target "Evil\\x1b\[2J\\x1b\]0;pwned\\x07 1\.0"/);
    assert.doesNotMatch(asked.stderr(), /[\x1b\x07]/);
  });

  it('never waits for an answer that cannot come: with stdin or stderr not a terminal it refuses, asking nothing', async () => {
    for (const tty of [{ stdin: false }, { stderr: false }]) {
      const piped = io('y\n', tty);
      await assert.rejects(piped.cio.shouldProcess('WebApp 1.2.0.0', 'Remove'), (err: CtrimgError) => {
        assert.ok(refusal(err));
        assert.match(err.message, /^the operation "Remove" on target "WebApp 1\.2\.0\.0" needs confirmation, and (stdin|stderr) is not a terminal to ask on; nothing was changed$/);
        assert.match(err.hint!, /-Force or -Confirm:\$false/);
        return true;
      });
      assert.equal(piped.stderr(), '');
    }
    // -Confirm on a cmdlet that would not ask by itself: leaving it out is the way.
    await assert.rejects(io('', { stdin: false, confirmation: { impact: 'Medium', confirm: true } }).cio.shouldProcess('x', 'Install'), (err: CtrimgError) => refusal(err) && /leave out -Confirm/.test(err.hint!));
  });

  it('goes on without asking with -Force or -Confirm:$false, and for a Medium cmdlet without -Confirm', async () => {
    for (const confirmation of [{ force: true }, { confirm: false }, { impact: 'Medium' as const }]) {
      const script = io('', { stdin: false, stderr: false, confirmation });
      assert.equal(await script.cio.shouldProcess('WebApp 1.2.0.0', 'Remove'), true);
      assert.equal(script.stderr(), '');
    }
  });

  it("with impact 'High', one question of a Medium cmdlet asks unless -Force, and off a terminal refuses", async () => {
    const medium = { impact: 'Medium' as const };
    const asked = io('y\n', { confirmation: medium });
    assert.equal(await asked.cio.shouldProcess('NanoServer', 'Install'), true, 'the cmdlet\'s own questions are not asked');
    assert.equal(asked.stderr(), '');
    assert.equal(await asked.cio.shouldProcess('Tools 1.0.0.0', 'Remove', 'High'), true);
    assert.match(asked.stderr(), /Performing the operation "Remove" on target "Tools 1\.0\.0\.0"\.\n\[Y\] Yes/);
    await assert.rejects(io('', { stdin: false, confirmation: medium }).cio.shouldProcess('Tools', 'Remove', 'High'), (err: CtrimgError) => refusal(err) && /-Force or -Confirm:\$false/.test(err.hint!));
    const forced = io('', { stdin: false, stderr: false, confirmation: { ...medium, force: true } });
    assert.equal(await forced.cio.shouldProcess('Tools', 'Remove', 'High'), true);
  });

  it('-WhatIf says what would be done, even with -Quiet, asks nothing and allows nothing', async () => {
    const whatIf = io('', { stdin: false, quiet: true, confirmation: { whatIf: true, confirm: true } });
    assert.equal(whatIf.cio.whatIf, true);
    assert.equal(await whatIf.cio.shouldProcess('WebApp 1.2.0.0', 'Remove'), false);
    assert.equal(whatIf.stderr(), 'What if: Performing the operation "Remove" on target "WebApp 1.2.0.0".\n');
  });

  it('-Verbose writes a VERBOSE line for each change it allows, and nothing without it', async () => {
    const verbose = io('', { stdin: false, verbose: true, confirmation: { force: true } });
    assert.equal(await verbose.cio.shouldProcess('web1', 'Remove'), true);
    assert.equal(verbose.stderr(), 'VERBOSE: Performing the operation "Remove" on target "web1".\n');
    const declined = io('n\n', { verbose: true });
    assert.equal(await declined.cio.shouldProcess('web1', 'Remove'), false);
    assert.doesNotMatch(declined.stderr(), /VERBOSE/, 'nothing is performed after a no');
  });
});

describe('cli/io writeError and -ErrorAction', () => {
  const inUse = dependent("cannot remove 'Nano'", { code: 'IMAGE_IN_USE' });
  const gone = notFound("'Api' was removed meanwhile", { code: 'IMAGE_GONE' });

  it('Continue writes each error line and goes on; the run exits with the first error\'s code', () => {
    const cont = io('');
    assert.equal(cont.cio.exitCode, 0);
    cont.cio.writeError(inUse);
    cont.cio.writeError(gone);
    assert.equal(cont.stderr(), "Remove-ContainerImage: cannot remove 'Nano' [IMAGE_IN_USE]\nRemove-ContainerImage: 'Api' was removed meanwhile [IMAGE_GONE]\n");
    assert.equal(cont.cio.exitCode, 4);
  });

  it("gives an error it writes the cmdlet's hint, as the runner gives one that ends the command", () => {
    const spec = { name: 'Remove-ContainerImage', synopsis: '', params: [], examples: [], hints: { IMAGE_IN_USE: 'remove its containers first' }, run: async () => {} } satisfies CmdletSpec;
    const hinted = io('', { hinted: (err) => withCmdletHint(spec, err) });
    hinted.cio.writeError(inUse);
    assert.equal(hinted.stderr(), "Remove-ContainerImage: cannot remove 'Nano' (remove its containers first) [IMAGE_IN_USE]\n");
  });

  it('Stop throws the first error, which ends the command', () => {
    const stop = io('', { errorAction: 'Stop' });
    assert.throws(() => stop.cio.writeError(inUse), (err) => err === inUse);
    assert.equal(stop.stderr(), '', 'the runner writes it, once');
  });

  it('SilentlyContinue writes nothing, but the exit code still says something failed', () => {
    const silent = io('', { errorAction: 'SilentlyContinue' });
    silent.cio.writeError(gone);
    silent.cio.writeError(inUse);
    assert.equal(silent.stderr(), '');
    assert.equal(silent.cio.exitCode, 3);
  });
});
