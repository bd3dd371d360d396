/**
 * The unit tier runs without a registry and without skopeo, umoci or openssl on PATH (README,
 * "Development"): no file under test/unit may start a registry, publish with skopeo, or run one
 * of those tools. Suites that need them belong in test/e2e.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** test/support functions that start a registry, run skopeo or run openssl. */
const NEEDS_TOOLS = new Set([
  'startRegistry',
  'startBasicAuthRegistry',
  'startTokenAuthRegistry',
  'publishImage',
  'publishIndex',
  'publishFixtures',
  'skopeoPush',
  'skopeoToLayout',
  'selfSignedCert',
]);
const TOOLS = new Set(['docker-registry', 'skopeo', 'umoci', 'openssl', 'htpasswd']);

/** `file:line: what` for each use of a tool or of a support function that needs one; comments are not read. */
function toolUses(name: string, text: string): string[] {
  const source = ts.createSourceFile(name, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node) => `${name}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node) && NEEDS_TOOLS.has(node.text)) found.push(`${at(node)}: ${node.text}`);
    if (ts.isStringLiteralLike(node) && TOOLS.has(node.text)) found.push(`${at(node)}: '${node.text}'`);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...new Set(found)];
}

describe('test tiers', () => {
  it('finds a registry, skopeo or openssl in code, not in comments', () => {
    const sample = [
      '// publishImage and skopeo in a comment are fine',
      "import { publishImage } from '../support/oci-layout.js';",
      "await run('openssl', ['req']);",
      "const name = 'skopeo-like';",
    ].join('\n');
    assert.deepEqual(toolUses('x.test.ts', sample), ['x.test.ts:2: publishImage', "x.test.ts:3: 'openssl'"]);
  });

  it('keeps the unit tier free of registries and external tools', () => {
    const dir = join(REPO, 'test/unit');
    // This file names the tools to look for.
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && f !== 'tiers.test.ts');
    assert.ok(files.length > 50, `read ${files.length} files`);
    const uses = files.flatMap((f) => toolUses(relative(REPO, join(dir, f)), readFileSync(join(dir, f), 'utf8')));
    assert.deepEqual(uses, []);
  });
});
