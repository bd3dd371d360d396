/** Help text, PowerShell `Get-Help` style. Goes to stdout. */
import type { CmdletSpec, ParamSpec } from './types.js';
import { cmdletParams, COMMON_PARAMS, dockerFlag, riskParams } from './names.js';

const INDENT = '    ';

function valueLabel(p: ParamSpec): string {
  if (p.choices) return `{${p.choices.join(' | ')}}`;
  return p.type === 'number' ? '<number>' : `<${p.type}>`;
}

/** `-Force`, `-Name <string[]>`, `-OutputFormat {Table | Json}` */
function paramLabel(p: ParamSpec): string {
  return p.type === 'switch' ? `-${p.name}` : `-${p.name} ${valueLabel(p)}`;
}

/** One parameter in the syntax line: `[-Force]`, `-Name <string>`, `[[-Name] <string[]>]`. */
function syntaxToken(p: ParamSpec): string {
  const token = p.positional && p.type !== 'switch' ? `[-${p.name}] ${valueLabel(p)}` : paramLabel(p);
  return p.required ? token : `[${token}]`;
}

/** One syntax line per parameter set, each with the parameters of that set, as Get-Help shows them. */
export function syntaxLines(spec: CmdletSpec): string[] {
  if (spec.syntax === 'docker') return [`${spec.name} ${spec.usage ?? '[OPTIONS]'}`];
  // -WhatIf and -Confirm close every set's line, before the common parameters, as Get-Help shows them.
  const risk = spec.confirmImpact ? riskParams(spec.confirmImpact) : [];
  const line = (params: ParamSpec[]) => [spec.name, ...[...params, ...risk].map(syntaxToken), '[<CommonParameters>]'].join(' ');
  if (!spec.parameterSets) return [line(spec.params)];
  return spec.parameterSets.names.map((set) => line(spec.params.filter((p) => !p.sets || p.sets.includes(set))));
}

/** A docker-style verb's help, laid out as docker's: usage, synopsis, then each flag. */
function renderDockerHelp(spec: CmdletSpec): string {
  const flags = spec.params.filter((p) => !p.positional);
  const label = (p: ParamSpec) => `${p.short ? `-${p.short}, ` : '    '}--${dockerFlag(p)}${p.type === 'switch' ? '' : p.type === 'number' ? ' int' : ' string'}`;
  const width = Math.max(0, ...flags.map((p) => label(p).length));
  const out = [`Usage:  ctrimg ${syntaxLines(spec)[0]}`, '', spec.synopsis, ''];
  if (flags.length) out.push('Options:', ...flags.map((p) => `  ${label(p).padEnd(width)}   ${p.description}`), '');
  if (spec.examples.length) out.push('Examples:', ...spec.examples.flatMap((e) => [`  ${e.command}`, `      ${e.description}`]), '');
  return out.join('\n');
}

export function renderCmdletHelp(spec: CmdletSpec): string {
  if (spec.syntax === 'docker') return renderDockerHelp(spec);
  const out = ['NAME', INDENT + spec.name, '', 'SYNOPSIS', INDENT + spec.synopsis, '', 'SYNTAX', ...syntaxLines(spec).flatMap((l) => [INDENT + l, ''])];
  if (spec.aliases?.length) out.push('ALIASES', INDENT + spec.aliases.join(', '), '');
  out.push('PARAMETERS');
  for (const p of cmdletParams(spec)) {
    out.push(INDENT + paramLabel(p), INDENT.repeat(2) + p.description);
    const facts = [`Required: ${p.required ? 'yes' : 'no'}`, `Position: ${p.positional ? '0' : 'named'}`];
    if (p.sets) facts.push(`Parameter sets: ${p.sets.join(', ')}`);
    if (p.aliases?.length) facts.push(`Aliases: ${p.aliases.map((a) => `-${a}`).join(', ')}`);
    out.push(INDENT.repeat(2) + facts.join('; '), '');
  }
  out.push(INDENT + '<CommonParameters>');
  for (const p of COMMON_PARAMS) {
    const label = p.name === 'Json' ? '--json' : [paramLabel(p), ...(p.aliases ?? []).map((a) => `-${a}`)].join(', ');
    out.push(`${INDENT.repeat(2)}${label.padEnd(30)} ${p.description}`);
  }
  out.push('');
  if (spec.examples.length) {
    out.push('EXAMPLES');
    for (const e of spec.examples) out.push(INDENT + e.command, INDENT.repeat(2) + e.description, '');
  }
  return out.join('\n');
}

/** The words that ask for help instead of naming a cmdlet: `ctrimg help`, `ctrimg --help`, ... */
export const HELP_WORDS = ['help', 'get-help', '-?', '-help', '--help'];

/** The cmdlet `ctrimg help` runs to list the commands, with the parameters given to help. */
export const LISTING_CMDLET = 'Get-Command';

/** What `ctrimg help` prints under the list of commands (Get-Command's table). */
export function renderUsage(): string {
  return [
    'ctrimg - container image manager with PowerShell-style verbs',
    '',
    'USAGE',
    `${INDENT}ctrimg <Cmdlet> [-Parameter value]... [-OutputFormat Table|Json] [-Quiet] [-Debug]`,
    `${INDENT}ctrimg help <Cmdlet>     (or: ctrimg <Cmdlet> -?)`,
    `${INDENT}ctrimg help -Verb Get    (or: ctrimg Get-Command -Verb Get; also -Noun, -Name <pattern>)`,
    `${INDENT}ctrimg completion bash|powershell   (a script that completes names on TAB)`,
    '',
  ].join('\n');
}
