import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CtrimgError } from '../../../src/errors.js';
import { entryPath, pathInRoot } from '../../../src/layers/paths.js';
import { tempRoot } from '../../support/tars.js';

const isCode = (code: string) => (err: unknown) => err instanceof CtrimgError && err.code === code;

describe('layers/paths', () => {
  describe('entryPath', () => {
    it('normalizes ./ prefixes, . components, doubled and trailing slashes', () => {
      assert.equal(entryPath('./usr/bin/'), 'usr/bin');
      assert.equal(entryPath('usr//./lib/x'), 'usr/lib/x');
      assert.equal(entryPath('./'), '');
      assert.equal(entryPath('..wh..x/..y'), '..wh..x/..y');
    });

    it('refuses absolute names and .. components with UNSAFE_TAR naming the entry', () => {
      for (const name of ['/etc/passwd', '../x', 'a/../../x', 'a/..', './../x']) {
        assert.throws(() => entryPath(name), (err: unknown) => isCode('UNSAFE_TAR')(err) && (err as Error).message.includes(`'${name}'`), name);
      }
    });
  });

  describe('pathInRoot', () => {
    it('creates missing directories and returns the path inside the root', async () => {
      const { root, cleanup } = await tempRoot();
      try {
        assert.equal(await pathInRoot(root, 'a/b/c', "entry 'a/b/c'", true), join(root, 'a/b/c'));
        assert.equal(await pathInRoot(root, 'x/y', "entry 'x/y'", false), undefined);
        await writeFile(join(root, 'a/b/c'), '');
      } finally {
        await cleanup();
      }
    });

    it('refuses to go through a symlink, even one pointing inside the root', async () => {
      const { root, cleanup } = await tempRoot();
      try {
        await mkdir(join(root, 'real'));
        await symlink('real', join(root, 'link'));
        await assert.rejects(pathInRoot(root, 'link/x', "entry 'link/x'", true), isCode('UNSAFE_TAR'));
        await assert.rejects(pathInRoot(root, 'link/x', "entry 'link/x'", false), isCode('UNSAFE_TAR'));
      } finally {
        await cleanup();
      }
    });

    it('refuses to go through a regular file with INVALID_TAR', async () => {
      const { root, cleanup } = await tempRoot();
      try {
        await writeFile(join(root, 'f'), '');
        await assert.rejects(pathInRoot(root, 'f/x', "entry 'f/x'", true), isCode('INVALID_TAR'));
      } finally {
        await cleanup();
      }
    });
  });
});
