/**
 * test/windows/acceptance.ps1 cannot run here (it needs a Windows container host); what can be
 * checked is that every ctrimg call in it names a cmdlet that exists, with parameters that
 * cmdlet takes, that it runs only subcommands hcsshim's wclayer has, and that it stays within
 * Windows PowerShell 5.1's syntax in the ways most easily slipped into.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cmdlets } from '../../../cmdlets/index.js';
import { COMMON_PARAMS, riskParams } from '../../../src/cli/names.js';

const SCRIPT = fileURLToPath(new URL('../../../../test/windows/acceptance.ps1', import.meta.url));
const text = readFileSync(SCRIPT, 'utf8');

/** cmd/wclayer/wclayer.go's app.Commands. */
const WCLAYER_COMMANDS = ['create', 'export', 'import', 'makebaselayer', 'mount', 'remove', 'unmount'];

/**
 * Each `Invoke-Ctrimg <Cmdlet> -Param ... @array` line: the cmdlet and the parameter names
 * written, with those an array splatted into it holds (`$array = @('-Param', ...)` and
 * `$array += '-Param'`).
 */
function calls(): Array<{ cmdlet: string; params: string[] }> {
  return [...text.matchAll(/Invoke-Ctrimg\s+([A-Za-z]+-[A-Za-z]+)([^\n]*)/g)].map((m) => ({
    cmdlet: m[1]!,
    params: [
      ...[...m[2]!.matchAll(/(?<![\w$])-([A-Za-z]+)/g)].map((p) => p[1]!),
      ...[...m[2]!.matchAll(/@(\w+)/g)].flatMap((a) => splatted(a[1]!)),
    ],
  }));
}

function splatted(array: string): string[] {
  const written = [...text.matchAll(new RegExp(`\\$${array}\\s*\\+?=\\s*@?\\(?([^)\\n]*)`, 'g'))];
  assert.ok(written.length > 0, `$${array} is splatted but never set`);
  return written.flatMap((w) => [...w[1]!.matchAll(/'-([A-Za-z]+)'/g)].map((p) => p[1]!));
}

describe('test/windows/acceptance.ps1', () => {
  it('calls only cmdlets that exist, with parameters they take', () => {
    const found = calls();
    assert.deepEqual([...new Set(found.map((c) => c.cmdlet))].sort(), ['Get-ContainerImage', 'Install-ContainerImage', 'New-Container', 'Remove-Container', 'Remove-ContainerImage']);
    for (const call of found) {
      const spec = cmdlets.find((c) => c.name === call.cmdlet);
      assert.ok(spec, `${call.cmdlet} is not a cmdlet`);
      const names = new Set([...spec.params, ...(spec.confirmImpact ? riskParams(spec.confirmImpact) : []), ...COMMON_PARAMS].map((p) => p.name));
      for (const p of call.params) assert.ok(names.has(p), `${call.cmdlet} takes no -${p}`);
    }
    // The arrays were read: both installs' parameters are among those checked.
    const installs = found.filter((c) => c.cmdlet === 'Install-ContainerImage').map((c) => c.params.sort().join(' '));
    assert.deepEqual(installs, ['Insecure Platform Reference WhatIf', 'Insecure Quiet Reference']);
  });

  it("runs wclayer's mount and unmount, subcommands cmd/wclayer has", () => {
    const used = [...text.matchAll(/&\s*\$wclayer\s+(\S+)/g)].map((m) => m[1]!);
    assert.deepEqual(used, ['mount', 'unmount']);
    for (const c of used) assert.ok(WCLAYER_COMMANDS.includes(c), c);
  });

  it('has the MANUAL step run on the store it used, still there, and expect STORE_PERMISSIONS, not STORE_NOT_OURS', () => {
    const manual = text.slice(text.indexOf("Write-Host 'MANUAL"));
    assert.match(manual, /\$env:CTRIMG_ROOT = '\$Root'/);
    assert.match(manual, /ending in \[STORE_PERMISSIONS\] that says to run ctrimg elevated \(not\s*'\s*Write-Host '\s*\[STORE_NOT_OURS\]/);
    const removals = [...text.matchAll(/Remove-Item -LiteralPath (\S+) -Recurse/g)].map((m) => m.index!);
    assert.equal(removals.length, 1, 'the store is removed once');
    assert.ok(removals[0]! > text.indexOf("Write-Host 'MANUAL"), 'and only as the MANUAL step says, after it');
  });

  it('uses no syntax newer than Windows PowerShell 5.1 (no ?? ?. && || or ternary), and exits non-zero on failure', () => {
    const code = text.replace(/<#[\s\S]*?#>/, '').replace(/#.*$/gm, '');
    for (const newer of ['??', '?.', '&&', '||']) assert.ok(!code.includes(newer), newer);
    assert.doesNotMatch(code, /\)\s*\?\s*[^)]+:/, 'a ternary');
    assert.match(code, /exit 1/);
    assert.equal((code.match(/\{/g) ?? []).length, (code.match(/\}/g) ?? []).length, 'braces balance');
    assert.equal((code.match(/\(/g) ?? []).length, (code.match(/\)/g) ?? []).length, 'parentheses balance');
  });
});
