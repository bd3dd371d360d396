/**
 * Reading provisioning files, YAML and JSON alike: what a valid file gives, and every kind of
 * fault reported with the file, line, column and field, as a usage error (exit 2) with the
 * PROVISION_FILE_INVALID code.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CtrimgError } from '../../../src/errors.js';
import { describeDesired, parseProvisioningFile, readProvisioningFile } from '../../../src/ops/provision-file.js';

/** The one-line message a file's fault gives, after checking it is the file fault it must be. */
function faultOf(text: string, file = 'images.yaml'): string {
  try {
    parseProvisioningFile(text, file);
  } catch (err) {
    assert.ok(err instanceof CtrimgError, String(err));
    assert.equal(err.code, 'PROVISION_FILE_INVALID');
    assert.equal(err.exitCode, 2);
    return err.message;
  }
  assert.fail(`no fault found in ${JSON.stringify(text)}`);
}

describe('provisioning files', () => {
  it('reads name and reference entries from YAML, with versions, sources, platforms and insecure', () => {
    const desired = parseProvisioningFile(
      [
        'images:',
        '  - name: NanoServer',
        '    version: ">=10.0.17763"',
        '    source: mcr',
        '    platform: windows/amd64',
        '  - reference: 127.0.0.1:5000/samples/webapp:1.2.0',
        '    insecure: true',
        '  - name: Tools',
        '    version: 1.10', // a YAML number, read as written (not 1.1)
        '  - name: Range',
        '    version: ">= 1.0, <=2.0"',
        '',
      ].join('\n'),
      'images.yaml',
    );
    assert.deepEqual(desired.map(describeDesired), ['NanoServer >=10.0.17763.0', '127.0.0.1:5000/samples/webapp:1.2.0', 'Tools 1.10.0.0', 'Range >=1.0.0.0 <=2.0.0.0']);
    const [nano, web] = desired;
    assert.ok(nano?.by === 'name' && web?.by === 'reference');
    assert.equal(nano.source, 'mcr');
    assert.equal(nano.sourceAt, 'images.yaml:4:13');
    assert.equal(nano.at, 'images.yaml:2:5');
    assert.deepEqual(nano.platform, { os: 'windows', architecture: 'amd64' });
    assert.equal(web.insecure, true);
    assert.deepEqual(web.reference, { registry: '127.0.0.1:5000', repository: 'samples/webapp', tag: '1.2.0' });
  });

  it('reads the same from JSON', () => {
    const desired = parseProvisioningFile(
      JSON.stringify({ images: [{ name: 'NanoServer', version: '10.0.17763.1' }, { reference: '127.0.0.1:5000/r@sha256:' + 'a'.repeat(64), insecure: false }] }, null, 2),
      'images.json',
    );
    assert.deepEqual(desired.map(describeDesired), ['NanoServer 10.0.17763.1', `127.0.0.1:5000/r@sha256:${'a'.repeat(64)}`]);
    assert.deepEqual(desired[0]?.by === 'name' && desired[0].versions.required?.parts, [10, 0, 17763, 1]);
    assert.equal(desired[1]?.by === 'reference' && desired[1].insecure, false);
  });

  it('reads an empty list as no images', () => {
    assert.deepEqual(parseProvisioningFile('images: []\n', 'f.yaml'), []);
  });

  it('names line, column and field of a value that is not what the field takes', () => {
    const json = '{\n  "images": [\n    { "name": "NanoServer" },\n    { "name": "X",\n      "version": ">=banana" }\n  ]\n}\n';
    assert.equal(faultOf(json, 'images.json'), "images.json:5:18: images[1].version: '>=banana' is not a version range (an exact version, >=X, <=X, or '>=X <=Y')");
    assert.match(faultOf('images:\n  - name: X\n    version: ">=2.0 <=1.0"\n'), /^images\.yaml:3:14: images\[0\]\.version: the minimum version 2\.0\.0\.0 is greater than the maximum version 1\.0\.0\.0$/);
    assert.match(faultOf('images:\n  - name: X\n    version: "1.0 2.0"\n'), /^images\.yaml:3:14: images\[0\]\.version: '1\.0 2\.0' is not a version range/);
    assert.match(faultOf('images:\n  - name: X\n    platform: windows\n'), /^images\.yaml:3:15: images\[0\]\.platform: invalid platform 'windows'/);
    assert.match(faultOf('images:\n  - reference: nohost\n'), /^images\.yaml:2:16: images\[0\]\.reference: invalid image reference 'nohost': it names no registry/);
    assert.equal(faultOf('images:\n  - reference: 127.0.0.1:5000/r:1\n    insecure: "yes"\n'), 'images.yaml:3:15: images[0].insecure: expected true or false');
    assert.equal(faultOf('images:\n  - name: Nano*\n'), "images.yaml:2:11: images[0].name: 'Nano*' is a pattern; give the exact name");
    assert.equal(faultOf('images:\n  - name:\n'), 'images.yaml:2:10: images[0].name: expected text');
    assert.equal(faultOf('images:\n  - name: [a, b]\n'), 'images.yaml:2:11: images[0].name: expected text');
    assert.equal(faultOf('images:\n  - name: ""\n'), 'images.yaml:2:11: images[0].name: is empty');
  });

  it('refuses unknown fields with the nearest known name, at every level', () => {
    assert.equal(faultOf('{\n  "images": [\n    {"name": "a"},\n    {"nmae": "b"}\n  ]\n}\n', 'images.json'), "images.json:4:6: images[1]: unknown field 'nmae'; did you mean 'name'?");
    assert.equal(faultOf('imgaes: []\n'), "images.yaml:1:1: unknown field 'imgaes'; did you mean 'images'?");
    assert.equal(faultOf('images:\n  - name: a\n    colour: red\n'), "images.yaml:3:5: images[0]: unknown field 'colour'; expected 'name', 'reference', 'version', 'source', 'platform', 'insecure'");
  });

  it('refuses a field given twice, in YAML and in JSON', () => {
    assert.equal(faultOf('images:\n  - name: a\n    version: "1.0"\n    version: "2.0"\n'), "images.yaml:4:5: images[0]: 'version' is given twice");
    assert.equal(faultOf('{"images": [{"name": "a", "name": "b"}]}', 'images.json'), "images.json:1:27: images[0]: 'name' is given twice");
    assert.equal(faultOf('images: []\nimages: []\n'), "images.yaml:2:1: 'images' is given twice");
  });

  it('refuses fields that do not go together, and entries with neither name nor reference', () => {
    assert.equal(faultOf('images:\n  - name: a\n    reference: 127.0.0.1:5000/r:1\n'), "images.yaml:3:5: images[0]: give 'name' or 'reference', not both");
    assert.equal(faultOf('images:\n  - version: "1.0"\n'), "images.yaml:2:5: images[0]: give 'name' or 'reference'");
    assert.equal(faultOf('images:\n  - reference: 127.0.0.1:5000/r:1\n    version: "1.0"\n'), "images.yaml:3:5: images[0].version: only with 'name' (a reference names its tag or digest)");
    assert.equal(faultOf('images:\n  - reference: 127.0.0.1:5000/r:1\n    source: mcr\n'), "images.yaml:3:5: images[0].source: only with 'name' (a reference names its registry)");
    assert.equal(faultOf('images:\n  - name: a\n    insecure: true\n'), "images.yaml:3:5: images[0].insecure: only with 'reference' (a source says itself whether it is plain http)");
  });

  it('refuses a file of the wrong shape', () => {
    assert.equal(faultOf(''), "images.yaml: the file must be a mapping with an 'images' list");
    assert.equal(faultOf('- name: a\n'), "images.yaml:1:1: the file must be a mapping with an 'images' list");
    assert.equal(faultOf('{}', 'images.json'), "images.json:1:1: no 'images' list");
    assert.equal(faultOf('images: NanoServer\n'), "images.yaml:1:9: images: expected a list of images, each with 'name' or 'reference'");
    assert.equal(faultOf('images:\n  - NanoServer\n'), "images.yaml:2:5: images[0]: expected a mapping with 'name' or 'reference'");
    assert.equal(faultOf('1: []\n'), 'images.yaml:1:1: field names must be text');
    assert.equal(faultOf('images:\n  - &a\n    name: x\n  - name: y\n    source: *a\n'), 'images.yaml:5:13: images[1].source: aliases (*name) are not supported; write the value');
  });

  it('refuses a .json file that is not strict JSON, though YAML would read it, at its line and column', () => {
    const list = (entry: string) => `{\n  "images": [\n    ${entry}\n  ]\n}\n`;
    // The place is ctrimg's; the words after it are the JavaScript engine's, less its offset and its quote of the text.
    const at = (text: string, file = 'images.json') => {
      const m = /^(.*?:\d+:\d+): not valid JSON: (.+)$/s.exec(faultOf(text, file));
      assert.ok(m, faultOf(text, file));
      assert.doesNotMatch(m[2]!, /position|\n|is not valid JSON/);
      return m[1];
    };
    assert.equal(at(list('{ "name": "a" },')), 'images.json:4:3', 'a trailing comma: at the ] after it');
    assert.equal(at(list('{ "name": "a" } // the base')), 'images.json:3:21', 'a comment');
    assert.equal(at(list("{ 'name': 'a' }")), 'images.json:3:7', 'single quotes');
    assert.equal(at('{"images": []} x', 'IMAGES.JSON'), 'IMAGES.JSON:1:16', 'text after the document; the extension in any case');
    assert.equal(at('{"images": ['), 'images.json:1:13', 'the end of the text');
    for (const entry of ['{ "name": "a" },', "{ 'name': 'a' }"]) assert.deepEqual(parseProvisioningFile(list(entry), 'images.yaml').map(describeDesired), ['a'], 'the same text is valid YAML');
    assert.deepEqual(parseProvisioningFile(`\uFEFF${list('{ "name": "a" }')}`, 'images.json').map(describeDesired), ['a'], 'a byte order mark is no fault');
  });

  it('refuses text that is neither YAML nor JSON, at the place the parser stopped', () => {
    assert.match(faultOf('{\n  "images": [\n    {"name": "a",\n  ]\n', 'images.json'), /^images\.json:4:3: not valid JSON: /);
    assert.match(faultOf('images:\n  - name: a\n   bad: [\n'), /^images\.yaml:\d+:\d+: not valid YAML or JSON: /);
  });

  it('reads a file from disk; a missing one is not found', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ctrimg-provision-file-'));
    try {
      const path = join(dir, 'images.yml');
      await writeFile(path, 'images:\n  - name: NanoServer\n');
      assert.deepEqual((await readProvisioningFile(path)).map(describeDesired), ['NanoServer']);
      await assert.rejects(readProvisioningFile(join(dir, 'absent.yaml')), (err: CtrimgError) => err.exitCode === 3 && /no provisioning file at/.test(err.message));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
