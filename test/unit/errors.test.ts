/**
 * The closed set of error codes: one spelling each, every one in use, and README's "Error codes"
 * table saying exactly what src/errors.ts says.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CtrimgError, ERROR_CODES, errorCodeOf, failed, notFound, usage, dependent } from '../../src/errors.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** The rows of README's "Error codes" table, as [code, meaning]. */
function readmeTable(): [string, string][] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Error codes\n');
  assert.ok(start >= 0, 'README has an "Error codes" section');
  const section = readme.slice(start + 1).split(/\n## /)[0]!;
  return [...section.matchAll(/^\| `([^`]+)` \| (.+) \|$/gm)].map((m) => [m[1]!, m[2]!]);
}

function sources(): string {
  return ['src', 'cmdlets', 'store']
    .flatMap((dir) => readdirSync(join(REPO, dir), { recursive: true, encoding: 'utf8' }).filter((f) => /\.c?ts$/.test(f)).map((f) => join(REPO, dir, f)))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

describe('error codes', () => {
  it('are spelled SCREAMING_SNAKE, each with a meaning', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      assert.match(code, /^[A-Z]+(_[A-Z]+)*$/);
      assert.ok(meaning.length > 10, code);
    }
  });

  it('are listed in README exactly as in src/errors.ts, in the same order', () => {
    assert.deepEqual(readmeTable(), Object.entries(ERROR_CODES));
  });

  it('are each used somewhere (a code nothing raises is dead)', () => {
    // The table's keys are unquoted: a quoted code is a use.
    const text = sources();
    const unused = Object.keys(ERROR_CODES).filter((code) => !text.includes(`'${code}'`));
    assert.deepEqual(unused, []);
  });

  it('default to one per kind, and INTERNAL for anything that is not ours', () => {
    assert.deepEqual(
      [failed('x'), usage('x'), notFound('x'), dependent('x')].map((e) => [e.code, e.exitCode]),
      [['FAILED', 1], ['USAGE', 2], ['NOT_FOUND', 3], ['DEPENDENT', 4]],
    );
    assert.equal(new CtrimgError('notFound', 'x', { code: 'MANIFEST_UNKNOWN' }).code, 'MANIFEST_UNKNOWN');
    assert.equal(errorCodeOf(failed('x', { code: 'NO_SPACE' })), 'NO_SPACE');
    assert.equal(errorCodeOf(new TypeError('x')), 'INTERNAL');
    assert.equal(errorCodeOf('a string'), 'INTERNAL');
  });
});
