/**
 * The store loads better-sqlite3's addon from where npm builds it, not through the `bindings`
 * package's search (a stack trace read and a dozen paths tried: about 6 ms of every command).
 * Checked in a process of its own, where nothing else opened a database first.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('store database addon', () => {
  it('opens a store without loading the bindings package', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctrimg-addon-'));
    try {
      const index = new URL('../../../store/index.js', import.meta.url).href;
      const script = `
        import { createRequire } from 'node:module';
        const { Store } = await import(${JSON.stringify(index)});
        const store = Store.open(${JSON.stringify(join(dir, 'ctrimg.db'))});
        store.images.count();
        store.close();
        const loaded = Object.keys(createRequire(import.meta.url).cache);
        console.log(JSON.stringify({ bindings: loaded.some((f) => f.includes('/node_modules/bindings/')), sqlite: loaded.some((f) => f.includes('/node_modules/better-sqlite3/')) }));`;
      const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as { bindings: boolean; sqlite: boolean };
      assert.deepEqual(out, { bindings: false, sqlite: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
