/**
 * Below the CLI, ctrimg speaks the domain: no string literal in src/ outside src/cli names a
 * cmdlet (`Install-ContainerImage`) or a parameter (`-Name`). Those words belong to cmdlets/ and
 * src/cli, which map error codes to hints in them (CmdletSpec.hints, cmdlets/hints.ts).
 * Comments may name them.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** Every layer below the CLI; src/errors.ts and src/redact.ts are read too. */
const DIRS = ['src/format', 'src/ops', 'src/archive', 'src/registry', 'src/importers', 'src/content', 'src/layers', 'src/image'];
const LEAVES = ['src/errors.ts', 'src/redact.ts'];
/** Modules that run powershell.exe themselves: their literals are PowerShell's own commands and parameters. */
const RUNS_POWERSHELL = new Set(['src/content/owner-only.ts', 'src/content/owner.ts']);

/** `Verb-ContainerImage...`, `Verb-Container`: a capitalized verb, a dash, a noun starting with Container. */
const CMDLET = /\b[A-Z][a-z]+-Container[A-Za-z]*/;
/** `-Name`, `-RequiredVersion`: a dash after no word character, then a capitalized word. */
const PARAMETER = /(?<![\w-])-[A-Z][a-z]+[A-Za-z]*/;

function sourceFiles(dir: string): string[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** The text of every string literal and template piece in a module's source, with its line; not import specifiers. */
function literals(name: string, text: string): Array<{ line: number; text: string }> {
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
  const found: Array<{ line: number; text: string }> = [];
  const visit = (node: ts.Node) => {
    const literal = ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node);
    if (literal && !ts.isImportDeclaration(node.parent) && !ts.isExportDeclaration(node.parent)) {
      found.push({ line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `name:line: "text"` for each literal that names a cmdlet or a parameter. */
function powerShellWords(name: string, text: string): string[] {
  return literals(name, text)
    .filter((l) => CMDLET.test(l.text) || PARAMETER.test(l.text))
    .map((l) => `${name}:${l.line}: ${JSON.stringify(l.text)}`);
}

describe('domain words below the CLI', () => {
  it('finds a cmdlet or parameter name in a string or template literal, not in a comment or an import', () => {
    const sample = [
      "import { x } from './Get-ContainerImage.js';",
      '// Install-ContainerImage -Name in a comment is fine',
      "const a = 'give -Name or -Reference';",
      'const b = `run ${a} Find-ContainerImage first`;',
      "const c = 'Content-Type, sha256:-abc, x -1 and a-Name are no parameters';",
      'const d = `a ${b} -Insecure`;',
    ].join('\n');
    assert.deepEqual(powerShellWords('sample.ts', sample), [
      'sample.ts:3: "give -Name or -Reference"',
      'sample.ts:4: " Find-ContainerImage first"',
      'sample.ts:6: " -Insecure"',
    ]);
  });

  it('no string literal in src/ outside src/cli names a cmdlet or a parameter', () => {
    const files = [...DIRS.flatMap(sourceFiles), ...LEAVES.map((f) => join(REPO, f))].filter((f) => !RUNS_POWERSHELL.has(relative(REPO, f)));
    assert.ok(files.length > 60, `read ${files.length} files`);
    assert.deepEqual(files.flatMap((f) => powerShellWords(relative(REPO, f), readFileSync(f, 'utf8'))), []);
  });
});
