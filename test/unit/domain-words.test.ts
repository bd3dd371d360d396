/**
 * Below the CLI, ctrimg speaks the domain: no string literal in src/ outside src/cli names a
 * cmdlet (`Install-ContainerImage`) or a parameter (`-Name`). Those words belong to cmdlets/ and
 * src/cli, which map error codes to hints in them (CmdletSpec.hints, cmdlets/hints.ts).
 * Comments may name them.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** Every module below the CLI: all of src/ but src/cli/ (a layer added later is read too), and store/. */
const ROOTS = ['src', 'store'];
const CLI = 'src/cli/';
/** Modules that run powershell.exe themselves: their literals are PowerShell's own commands and parameters. */
const RUNS_POWERSHELL = new Set(['src/content/owner-only.ts', 'src/content/owner.ts', 'src/importers/windows-host.ts']);

/** `Verb-ContainerImage...`, `Verb-Container`: a capitalized verb, a dash, a noun starting with Container. */
const CMDLET = /\b[A-Z][a-z]+-Container[A-Za-z]*/;
/** `-Name`, `-RequiredVersion`: a dash after no word character, then a capitalized word. */
const PARAMETER = /(?<![\w-])-[A-Z][a-z]+[A-Za-z]*/;

/** The .ts files under `dir` (src/cli.cts, the executable, is above the CLI anyway). */
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

  it('no string literal in src/ outside src/cli, nor in store/, names a cmdlet or a parameter', () => {
    const files = ROOTS.flatMap(sourceFiles).filter((f) => {
      const name = relative(REPO, f).split(sep).join('/');
      return !name.startsWith(CLI) && !RUNS_POWERSHELL.has(name);
    });
    assert.ok(files.length > 60, `read ${files.length} files`);
    for (const leaf of ['src/errors.ts', 'src/ops/install.ts', 'store/db.ts']) assert.ok(files.includes(join(REPO, leaf)), leaf);
    assert.deepEqual(files.flatMap((f) => powerShellWords(relative(REPO, f), readFileSync(f, 'utf8'))), []);
  });
});
