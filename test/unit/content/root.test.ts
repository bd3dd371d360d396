/**
 * The store root: opened once as its real path, private to its owner; and the guard every
 * recursive delete goes through, which refuses anything outside that root.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { assertInside, openRoot, removeInside } from '../../../src/content/root.js';
import { CtrimgError } from '../../../src/errors.js';
import { confined } from '../../../src/importers/confined.js';
import { DirImporter } from '../../../src/importers/dir.js';

const isOutside = (err: unknown) => err instanceof CtrimgError && err.code === 'OUTSIDE_STORE' && !err.message.includes('\n');
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('content/root', () => {
  let work: string;
  let root: string;
  let victim: string;
  beforeEach(async () => {
    work = await realpath(await mkdtemp(join(tmpdir(), 'ctrimg-root-')));
    root = join(work, 'store');
    victim = join(work, 'victim');
    await mkdir(join(root, 'layers'), { recursive: true });
    await mkdir(victim);
    await writeFile(join(victim, 'keep.txt'), 'keep');
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  describe('openRoot', () => {
    it('creates a missing root and its directories 0700 and returns its real path', async () => {
      const fresh = join(work, 'new', 'store');
      assert.equal(await openRoot(fresh), fresh);
      for (const dir of ['', 'layers', 'containers', 'leases']) assert.equal(await modeOf(join(fresh, dir)), 0o700, dir || 'root');
    });

    it('has a missing root created by the restricting step, so it is private from its first moment (a Windows DACL is given at creation)', async () => {
      const fresh = join(work, 'made-private');
      const seen: boolean[] = [];
      const restrict = async (r: string) => {
        seen.push(existsSync(r));
        await mkdir(r, { mode: 0o700 });
      };
      assert.equal(await openRoot(fresh, restrict), fresh);
      assert.deepEqual(seen, [false], 'restrict was given the root before it existed');
      assert.deepEqual((await readdir(fresh)).sort(), ['containers', 'layers', 'leases']);
    });

    it('refuses a root that appeared, not empty and no store, between finding none and creating it', async () => {
      const raced = join(work, 'raced');
      const restrict = async (r: string) => {
        await mkdir(r, { mode: 0o700 }); // what another account's mkdir made meanwhile, mode aside
        await writeFile(join(r, 'planted'), 'theirs');
      };
      await assert.rejects(openRoot(raced, restrict), (err: unknown) => err instanceof CtrimgError && err.code === 'NOT_A_STORE' && err.message.startsWith(`${raced} is not a ctrimg store`));
      assert.deepEqual(await readdir(raced), ['planted'], 'none of the store\'s directories made in it');
    });

    it('resolves a root given through a symlink or relative to the working directory', async () => {
      await symlink(root, join(work, 'link'));
      assert.equal(await openRoot(join(work, 'link')), root);
      assert.equal(await openRoot(relative(process.cwd(), join(work, 'link'))), root);
    });

    it('gives the restricting step the real path and the path as given, so a link naming the root is checked too', async () => {
      await symlink(root, join(work, 'link'));
      const seen: string[][] = [];
      assert.equal(await openRoot(join(work, 'link'), async (real, given) => void seen.push([real, given])), root);
      assert.deepEqual(seen, [[root, join(work, 'link')]]);
    });

    describe('as an account that may not read the root (nobody)', () => {
      const asNobody = async <T>(fn: () => Promise<T>): Promise<T> => {
        assert.equal(process.geteuid!(), 0, 'run as root, as the e2e suite is');
        // The effective uid only, so that root can take it back; it drops root's capabilities meanwhile.
        process.seteuid!(65534);
        try {
          return await fn();
        } finally {
          process.seteuid!(0);
        }
      };
      const refused = (platform: string, hint: RegExp) => (err: unknown) => {
        assert.ok(err instanceof CtrimgError, String(err));
        assert.equal(err.code, 'STORE_PERMISSIONS', `${platform}: ${err.message}`);
        assert.match(err.message, new RegExp(`^cannot open the store root ${root}: EACCES: permission denied, \\w+ '`));
        assert.ok(!err.message.includes('\n'));
        assert.match(err.hint ?? '', hint);
        return true;
      };
      const restrict = async () => assert.fail('not reached: the root could not be read');

      it('refuses a store it may not list (readdir) with STORE_PERMISSIONS, and on Windows says to run elevated', async () => {
        await writeFile(join(root, 'ctrimg.db'), '');
        await chmod(work, 0o755);
        await chmod(root, 0o700);
        await asNobody(async () => {
          await assert.rejects(openRoot(root, restrict, 'linux'), refused('linux', /^run ctrimg as the account that owns the store \(e\.g\. with sudo\)/));
          await assert.rejects(openRoot(root, restrict, 'win32'), refused('win32', /^run ctrimg elevated \(PowerShell: Run as administrator\)/));
        });
        assert.equal(await modeOf(root), 0o700, 'left as it was');
      });

      it('refuses a store below a directory it may not enter (realpath) the same way', async () => {
        await chmod(work, 0o700);
        await asNobody(() => assert.rejects(openRoot(root, restrict, 'linux'), refused('linux', /as the account that owns the store/)));
      });
    });

    it('tightens a root readable by others to 0700, and tells a failure in one line', async () => {
      await chmod(root, 0o755);
      await openRoot(root);
      assert.equal(await modeOf(root), 0o700);
      await assert.rejects(openRoot(root, async () => Promise.reject(new CtrimgError('failed', 'no'))), /no/);
    });

    it('tightens an existing empty directory and an existing store holding ctrimg.db', async () => {
      const empty = join(work, 'empty');
      await mkdir(empty, { mode: 0o755 });
      await writeFile(join(victim, 'ctrimg.db'), '');
      await chmod(victim, 0o755);
      for (const dir of [empty, victim]) {
        assert.equal(await openRoot(dir), dir);
        assert.equal(await modeOf(dir), 0o700, dir);
      }
    });

    it('refuses, changing nothing, an existing directory that is neither empty nor a store, also through a symlink', async () => {
      const shared = join(work, 'shared');
      await mkdir(shared);
      await chmod(shared, 0o1777);
      await writeFile(join(shared, 'users-file'), 'theirs');
      await symlink(shared, join(work, 'to-shared'));
      const restricted: string[] = [];
      for (const given of [shared, join(work, 'to-shared')]) {
        await assert.rejects(
          openRoot(given, async (r) => void restricted.push(r)),
          (err: unknown) =>
            err instanceof CtrimgError && err.code === 'NOT_A_STORE' && err.exitCode === 2 && !err.message.includes('\n') &&
            err.message.startsWith(`${given} `) && /CTRIMG_ROOT at a new or empty directory/.test(err.hint ?? ''),
        );
      }
      assert.deepEqual(restricted, [], 'no ACL or mode is set');
      assert.equal((await stat(shared)).mode & 0o7777, 0o1777);
      assert.deepEqual(await readdir(shared), ['users-file']);
    });
  });

  describe('assertInside and removeInside', () => {
    it('delete below the root, and a missing target is fine', async () => {
      await mkdir(join(root, 'layers', 'a', 'b'), { recursive: true });
      await removeInside(root, join(root, 'layers', 'a'));
      assert.deepEqual(await readdir(join(root, 'layers')), []);
      await removeInside(root, join(root, 'layers', 'nothing-here'));
      await removeInside(root, join(root, 'no-dir', 'nothing-here'));
    });

    for (const [what, path] of [
      ['the root itself', () => root],
      ['a directory beside it', () => victim],
      ['a sibling whose name starts with the root\'s', () => `${root}-old`],
      ['a path climbing out with ..', () => join(root, 'layers', '..', '..', 'victim')],
      ['a relative path', () => 'victim'],
    ] as const) {
      it(`refuse ${what}`, async () => {
        await assert.rejects(removeInside(root, path()), isOutside);
        assert.equal(await readFile(join(victim, 'keep.txt'), 'utf8'), 'keep');
      });
    }

    it("refuse the store's own directories, however named, and keep what they hold", async () => {
      for (const dir of ['layers', 'containers', 'leases', 'blobs/sha256', 'ingest']) await mkdir(join(root, dir, 'x'), { recursive: true });
      for (const path of ['layers', 'containers', 'containers/.', 'layers/x/..', 'leases', 'blobs', 'blobs/sha256', 'ingest', '.']) {
        await assert.rejects(removeInside(root, join(root, path)), isOutside, path);
      }
      for (const dir of ['layers', 'containers', 'leases', 'blobs/sha256', 'ingest']) assert.deepEqual(await readdir(join(root, dir)), ['x'], dir);
    });

    it('refuse a path through a directory of the store that links outside it', async () => {
      await symlink(victim, join(root, 'containers'));
      await assert.rejects(assertInside(root, join(root, 'containers', 'keep.txt')), isOutside);
      await assert.rejects(removeInside(root, join(root, 'containers', 'keep.txt')), isOutside);
      assert.equal(await readFile(join(victim, 'keep.txt'), 'utf8'), 'keep');
    });

    it('remove a symlink inside the root, never what it points to', async () => {
      await symlink(victim, join(root, 'layers', 'link'));
      await removeInside(root, join(root, 'layers', 'link'));
      assert.deepEqual(await readdir(join(root, 'layers')), []);
      assert.equal(await readFile(join(victim, 'keep.txt'), 'utf8'), 'keep');
    });

    it('guard the importer a command uses: nothing outside the root is made or removed', async () => {
      const importer = confined(new DirImporter(), root);
      await assert.rejects(importer.removeLayer(victim), isOutside);
      await assert.rejects(importer.removeContainer(victim), isOutside);
      await assert.rejects(importer.createContainer(join(work, 'c'), []), isOutside);
      assert.equal(await readFile(join(victim, 'keep.txt'), 'utf8'), 'keep');
      await importer.createContainer(join(root, 'containers', 'c'), []);
      await importer.removeContainer(join(root, 'containers', 'c'));
      assert.deepEqual(await readdir(join(root, 'containers')), []);
    });
  });
});
