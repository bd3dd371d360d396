/**
 * Get-Command's list (src/cli/commands.ts) and its table and JSON (src/format/commands.ts), over
 * made-up specs and over the registered ones through the runner, as `ctrimg help` prints them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cmdlets } from '../../../cmdlets/index.js';
import { listCommands } from '../../../src/cli/commands.js';
import type { CmdletSpec } from '../../../src/cli/types.js';
import { VERSION } from '../../../src/cli/version.js';
import { renderCommands } from '../../../src/format/commands.js';
import { CtrimgError } from '../../../src/errors.js';
import { runCaptured } from '../../support/in-process.js';

const spec = (name: string, more: Partial<CmdletSpec> = {}): CmdletSpec => ({ name, synopsis: '', params: [], examples: [], run: async () => {}, ...more });

const SPECS = [
  spec('Remove-ContainerImage'),
  spec('images', { syntax: 'docker' }),
  spec('Get-ContainerImage', { aliases: ['gci'] }),
  spec('Get-Container'),
  spec('Find-ContainerImage'),
  spec('commit', { syntax: 'docker' }),
];

const names = (filter?: Parameters<typeof listCommands>[1]) => listCommands(SPECS, filter).map((c) => `${c.CommandType} ${c.Name}`);

const run = (argv: string[]) => runCaptured(argv, cmdlets);

describe('Get-Command', () => {
  it('lists aliases, then docker-style verbs as functions, then cmdlets, each sorted by name ignoring case, as Get-Command sorts', () => {
    assert.deepEqual(names(), [
      'Alias gci',
      'Function commit',
      'Function images',
      'Cmdlet Find-ContainerImage',
      'Cmdlet Get-Container',
      'Cmdlet Get-ContainerImage',
      'Cmdlet Remove-ContainerImage',
    ]);
  });

  it('filters by -Name, -Verb and -Noun wildcards, case aside; -Verb and -Noun only match Verb-Noun names', () => {
    assert.deepEqual(names({ name: ['*container'] }), ['Cmdlet Get-Container']);
    assert.deepEqual(names({ name: ['IMAGES', 'g*'] }), ['Alias gci', 'Function images', 'Cmdlet Get-Container', 'Cmdlet Get-ContainerImage']);
    assert.deepEqual(names({ verb: ['get'] }), ['Cmdlet Get-Container', 'Cmdlet Get-ContainerImage']);
    assert.deepEqual(names({ noun: ['ContainerImage'] }), ['Cmdlet Find-ContainerImage', 'Cmdlet Get-ContainerImage', 'Cmdlet Remove-ContainerImage']);
    assert.deepEqual(names({ verb: ['Get', 'Find'], noun: ['*Image'] }), ['Cmdlet Find-ContainerImage', 'Cmdlet Get-ContainerImage']);
    assert.deepEqual(names({ name: ['New-*'] }), [], 'a pattern that matches nothing is no error');
  });

  it('refuses a name without wildcards that names no command, as not found', () => {
    assert.throws(() => listCommands(SPECS, { name: ['Get-Nothing'] }), (err: CtrimgError) => err.kind === 'notFound' && err.message === "no command named 'Get-Nothing'");
  });

  it("renders PowerShell's columns, an alias as `name -> cmdlet`, and JSON with the same properties", () => {
    const listed = listCommands(SPECS, { name: ['g*', 'commit'] });
    assert.equal(
      renderCommands(listed, 'Table'),
      [
        '',
        'CommandType Name                      Version Source',
        '----------- ----                      ------- ------',
        `Alias       gci -> Get-ContainerImage ${VERSION}   ctrimg`,
        `Function    commit                    ${VERSION}   ctrimg`,
        `Cmdlet      Get-Container             ${VERSION}   ctrimg`,
        `Cmdlet      Get-ContainerImage        ${VERSION}   ctrimg`,
        '',
        '',
      ].join('\n'),
    );
    assert.deepEqual(JSON.parse(renderCommands(listed, 'Json'))[0], { CommandType: 'Alias', Name: 'gci', Definition: 'Get-ContainerImage', Version: VERSION, Source: 'ctrimg' });
  });

  it("shows package.json's version", () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../package.json', import.meta.url)), 'utf8')) as { version: string };
    assert.equal(VERSION, pkg.version);
  });

  it('is what `ctrimg help` prints for the registered cmdlets: each one row, sorted, then the usage lines', async () => {
    const r = await run(['help']);
    assert.equal(r.code, 0, r.stderr);
    const at = r.stdout.indexOf('\n\nctrimg - ');
    const [table, usage] = [r.stdout.slice(0, at), r.stdout.slice(at + 2)];
    const rows = table.split('\n').slice(3).map((l) => l.split(/\s+/));
    assert.deepEqual(rows.map((r) => r[1]).sort(), cmdlets.map((c) => c.name).sort());
    assert.deepEqual(rows.map((r) => r[0]), [...cmdlets.filter((c) => c.syntax === 'docker').map(() => 'Function'), ...cmdlets.filter((c) => c.syntax !== 'docker').map(() => 'Cmdlet')]);
    const byName = (type: string) => rows.filter((r) => r[0] === type).map((r) => r[1]!);
    for (const type of ['Function', 'Cmdlet']) assert.deepEqual(byName(type), [...byName(type)].sort((a, b) => (a.toUpperCase() < b.toUpperCase() ? -1 : 1)));
    for (const row of rows) assert.deepEqual(row.slice(2), [VERSION, 'ctrimg']);
    assert.match(usage, /^ctrimg - container image manager with PowerShell-style verbs\n\nUSAGE\n/);
    const json = await run(['Get-Command', '-Verb', 'Remove', '--json']);
    assert.deepEqual((JSON.parse(json.stdout) as { Name: string }[]).map((c) => c.Name), ['Remove-Container', 'Remove-ContainerImage']);
    const missing = await run(['Get-Command', 'Get-Nothing']);
    assert.equal(missing.code, 3);
    assert.equal(missing.stderr, "Get-Command: no command named 'Get-Nothing' (ctrimg help lists the commands) [NOT_FOUND]\n");
  });
});
