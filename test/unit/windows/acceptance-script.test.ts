/**
 * test/windows/acceptance.ps1 cannot run here (it needs a Windows container host); what can be
 * checked is that every ctrimg call in it names a cmdlet that exists, with parameters that
 * cmdlet takes, and that it stays within Windows PowerShell 5.1's syntax in the ways most
 * easily slipped into.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cmdlets } from '../../../cmdlets/index.js';
import { COMMON_PARAMS } from '../../../src/cli/parse.js';

const SCRIPT = fileURLToPath(new URL('../../../../test/windows/acceptance.ps1', import.meta.url));
const text = readFileSync(SCRIPT, 'utf8');

/** Each `Invoke-Ctrimg <Cmdlet> -Param ...` line: the cmdlet and the parameter names written. */
function calls(): Array<{ cmdlet: string; params: string[] }> {
  return [...text.matchAll(/Invoke-Ctrimg\s+([A-Za-z]+-[A-Za-z]+)([^\n]*)/g)].map((m) => ({
    cmdlet: m[1]!,
    params: [...m[2]!.matchAll(/(?<![\w$])-([A-Za-z]+)/g)].map((p) => p[1]!),
  }));
}

describe('test/windows/acceptance.ps1', () => {
  it('calls only cmdlets that exist, with parameters they take', () => {
    const found = calls();
    assert.deepEqual([...new Set(found.map((c) => c.cmdlet))].sort(), ['Get-ContainerImage', 'Install-ContainerImage', 'New-Container', 'Remove-Container', 'Remove-ContainerImage']);
    for (const call of found) {
      const spec = cmdlets.find((c) => c.name === call.cmdlet);
      assert.ok(spec, `${call.cmdlet} is not a cmdlet`);
      const names = new Set([...spec.params, ...COMMON_PARAMS].map((p) => p.name));
      for (const p of call.params) assert.ok(names.has(p), `${call.cmdlet} takes no -${p}`);
    }
    // Install's parameters travel in an array: those strings are checked too.
    const install = /\$installArgs = @\(([^)]*)\)/.exec(text)![1]!;
    const installSpec = cmdlets.find((c) => c.name === 'Install-ContainerImage')!;
    for (const [, p] of install.matchAll(/'-([A-Za-z]+)'/g)) assert.ok(installSpec.params.some((s) => s.name === p) || COMMON_PARAMS.some((s) => s.name === p), p);
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
