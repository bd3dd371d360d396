/**
 * ctrimg search over a real registry's catalog. No docker oracle here: docker search speaks only
 * Docker Hub's v1 search API, which docker-registry lacks (the golden regeneration records docker
 * failing with a 404). The expected tables follow docker 20.10's rules (formatter_search.go):
 * NAME DESCRIPTION STARS OFFICIAL AUTOMATED, each column its widest cell plus 3 and at least 10,
 * the last unpadded, descriptions cut to 45 characters with an ellipsis unless --no-trunc.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ctrimg } from '../support/ctrimg.js';
import { publishImage, tarFromEntries } from '../support/oci-layout.js';
import { startRegistry, type RunningRegistry } from '../support/registry.js';

const LONG = 'NanoServer for loopback tests: a description well over forty-five characters';

describe('search (docker search over the sources)', function () {
  this.timeout(120_000);
  let registry: RunningRegistry;
  let root: string;
  const search = (...args: string[]) => ctrimg(root, ['search', ...args]);
  /** docker's table: each column as wide as its widest cell plus 3, at least 10; the last unpadded. */
  const table = (rows: string[][]) => {
    const widths = rows[0]!.map((_, i) => Math.max(10, ...rows.map((r) => [...r[i]!].length + 3)));
    return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat(widths[i]! - [...cell].length))).join('') + '\n').join('');
  };
  const HEADER = ['NAME', 'DESCRIPTION', 'STARS', 'OFFICIAL', 'AUTOMATED'];

  before(async () => {
    registry = await startRegistry();
    const layer = await tarFromEntries([{ name: 'f', content: 'x' }]);
    await publishImage(registry.host, { repo: 'golden/nanoserver', tag: '1.0', layers: [{ tar: layer }], annotations: { 'org.opencontainers.image.description': 'old' } });
    await publishImage(registry.host, { repo: 'golden/nanoserver', tag: 'latest', layers: [{ tar: layer }], annotations: { 'org.opencontainers.image.description': LONG } });
    await publishImage(registry.host, { repo: 'golden/servercore', tag: '2.0', layers: [{ tar: layer }] });
    await publishImage(registry.host, { repo: 'other/tool', tag: '1', layers: [{ tar: layer }] });
    root = await mkdtemp(join(tmpdir(), 'ctrimg-search-'));
    const r = await ctrimg(root, ['Register-ContainerImageSource', '-Name', 'loop', '-Location', `http://${registry.host}`, '-Insecure']);
    assert.equal(r.code, 0, r.stderr);
  });
  after(async () => {
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it("lists the repositories whose name holds the term, described by their latest tag's annotation, cut as docker cuts it", async () => {
    const r = await search('GOLDEN');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      table([HEADER, [`${registry.host}/golden/nanoserver`, `${LONG.slice(0, 44)}…`, '0', '', ''], [`${registry.host}/golden/servercore`, '', '0', '', '']]),
    );
    assert.equal((await search('--no-trunc', 'nano')).stdout, table([HEADER, [`${registry.host}/golden/nanoserver`, LONG, '0', '', '']]));
  });

  it('takes --limit, --format, a term naming the registry, and docker\'s filters (no registry keeps stars)', async () => {
    assert.equal((await search('--limit', '1', '--format', '{{.Name}}', 'o')).stdout, `${registry.host}/golden/nanoserver\n`);
    assert.equal((await search('--format', '{{.Name}} {{.StarCount}} {{.IsOfficial}}', `${registry.host}/tool`)).stdout, `${registry.host}/other/tool 0 \n`);
    assert.equal((await search('--filter', 'stars=1', 'golden')).stdout, table([HEADER]));
    assert.equal((await search('-f', 'is-official=false', '--format', '{{.Name}}', 'servercore')).stdout, `${registry.host}/golden/servercore\n`);
  });

  it('refuses an unknown filter, a bad limit and a registry no source is on, changing nothing', async () => {
    const bad = await search('--filter', 'foo=bar', 'golden');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^search: invalid filter 'foo'/);
    assert.equal((await search('--limit', '0', 'golden')).code, 2);
    const elsewhere = await search('127.0.0.1:1/golden');
    assert.equal(elsewhere.code, 3);
    assert.match(elsewhere.stderr, /no registered source is on 127\.0\.0\.1:1 .*\[SOURCE_NOT_FOUND\]/);
  });
});
