/**
 * Design rule 6 through the real executable: a store that was moved, copied, reached through a
 * symlink or through a relative CTRIMG_ROOT from another working directory still works, and
 * Remove-Container, Remove-ContainerImage and Repair-ContainerImageStore -Fix never delete
 * anything outside it. Each case plants victim directories where a path recorded before the
 * change would now point (or keeps the original store as the victim, for a copy); they must
 * come through untouched.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, realpath, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run as runTool } from '../support/oci-layout.js';
import { ctrimg, type CliResult } from '../support/ctrimg.js';
import { readTree, type Tree } from '../support/fixtures.js';
import { fixtureRegistry } from '../support/stores.js';

const HEX = /^[0-9a-f]{64}$/;

/** How the store is reached after the change: its CTRIMG_ROOT and working directory. */
interface Reach {
  root: string;
  cwd?: string;
}

/** What an installed store holds: the names of its layer and container directories. */
interface Installed {
  layers: string[];
  containers: string[];
}

interface Case {
  name: string;
  /**
   * Installs into `work` (through `install`), then moves, copies or relinks it; returns how the
   * store is reached now and the directories outside it that must survive.
   */
  arrange(work: string, install: (at: Reach) => Promise<Installed>): Promise<{ reach: Reach; victims: string[] }>;
}

/** Directories under `at` named like a store's layer and container directories, each holding a file. */
async function plantVictims(at: string, installed: Installed): Promise<string> {
  for (const [dir, names] of [['layers', installed.layers], ['containers', installed.containers]] as const) {
    for (const name of names) {
      await mkdir(join(at, dir, name), { recursive: true });
      await writeFile(join(at, dir, name, 'victim.txt'), 'not the store\'s to delete\n');
    }
  }
  return at;
}

const CASES: Case[] = [
  {
    name: 'moved with mv',
    arrange: async (work, install) => {
      const installed = await install({ root: join(work, 'a') });
      await rename(join(work, 'a'), join(work, 'b'));
      // Something else now lives where the store was.
      return { reach: { root: join(work, 'b') }, victims: [await plantVictims(join(work, 'a'), installed)] };
    },
  },
  {
    name: 'copied with cp -a',
    arrange: async (work, install) => {
      await install({ root: join(work, 'a') });
      await runTool('cp', ['-a', join(work, 'a'), join(work, 'b')]);
      // The original keeps its own layers and containers.
      return { reach: { root: join(work, 'b') }, victims: [join(work, 'a', 'layers'), join(work, 'a', 'containers')] };
    },
  },
  {
    name: 'reached through a symlink',
    arrange: async (work, install) => {
      await mkdir(join(work, 'a'));
      await symlink(join(work, 'a'), join(work, 'link'));
      const installed = await install({ root: join(work, 'link') });
      // The link it was installed through now leads elsewhere; the store is reached by another link.
      await rm(join(work, 'link'));
      await symlink(await plantVictims(join(work, 'elsewhere'), installed), join(work, 'link'));
      await symlink(join(work, 'a'), join(work, 'other-link'));
      return { reach: { root: join(work, 'other-link') }, victims: [join(work, 'elsewhere')] };
    },
  },
  {
    name: 'given as a relative CTRIMG_ROOT from another working directory',
    arrange: async (work, install) => {
      const installed = await install({ root: 'store', cwd: work });
      const other = join(work, 'other');
      // From `other`, the spelling the store was installed with names this directory instead.
      return { reach: { root: '../store', cwd: other }, victims: [await plantVictims(join(other, 'store'), installed)] };
    },
  },
];

describe('a moved, copied, linked or relatively named store works and deletes only inside itself', function () {
  this.timeout(120_000);
  const fixtures = fixtureRegistry();
  let work: string;

  beforeEach(async () => (work = await mkdtemp(join(tmpdir(), 'ctrimg-moves-'))));
  afterEach(() => rm(work, { recursive: true, force: true }));

  const ok = async (r: Promise<CliResult>, what: string): Promise<CliResult> => {
    const done = await r;
    assert.equal(done.code, 0, `${what}: ${done.stderr}`);
    return done;
  };
  const json = <T>(r: CliResult) => JSON.parse(r.stdout) as T[];

  /** WebApp (and so its base) and one container from it, as the store was first spelled. */
  const install = async (at: Reach): Promise<Installed> => {
    const cli = (args: string[]) => ctrimg(at.root, args, { cwd: at.cwd });
    await ok(cli(['Install-ContainerImage', '-Reference', fixtures.fx.child.reference, '-Insecure', '-Quiet']), 'install');
    await ok(cli(['New-Container', '-ContainerImageName', 'WebApp', '-Name', 'web1']), 'New-Container web1');
    const root = join(at.cwd ?? '', at.root);
    const layers = (await readdir(join(root, 'layers'))).filter((n) => HEX.test(n));
    assert.equal(layers.length, fixtures.fx.child.layerDigests.length);
    return { layers, containers: await readdir(join(root, 'containers')) };
  };

  for (const c of CASES) {
    it(`${c.name}`, async () => {
      const { reach, victims } = await c.arrange(work, install);
      const cli = (args: string[]) => ctrimg(reach.root, args, { cwd: reach.cwd });
      const before: Tree[] = await Promise.all(victims.map((v) => readTree(v)));
      const store = await realpath(join(reach.cwd ?? '', reach.root));
      const untouched = async (by: string) =>
        assert.deepEqual(await Promise.all(victims.map((v) => readTree(v))), before, `${by} touched nothing outside the store`);

      const repaired = await ok(cli(['Repair-ContainerImageStore', '-Fix', '-Force', '-OutputFormat', 'Json']), 'Repair -Fix');
      assert.deepEqual(json(repaired), [], 'nothing in the store is garbage');
      await untouched('Repair -Fix');
      const images = json<{ Name: string }>(await ok(cli(['Get-ContainerImage', '-OutputFormat', 'Json']), 'Get-ContainerImage'));
      assert.deepEqual(images.map((i) => i.Name).sort(), ['NanoServer', 'WebApp']);

      await ok(cli(['New-Container', '-ContainerImageName', 'WebApp', '-Name', 'web2']), 'New-Container web2');
      const containers = json<{ Name: string; Path: string }>(await ok(cli(['Get-Container', '-OutputFormat', 'Json']), 'Get-Container'));
      assert.deepEqual(containers.map((x) => x.Name), ['web1', 'web2']);
      for (const x of containers) {
        assert.ok(x.Path.startsWith(join(store, 'containers')), `${x.Name} lives in the store: ${x.Path}`);
        assert.deepEqual(await readTree(x.Path), fixtures.fx.expectedChildTree, `${x.Name}'s filesystem`);
      }

      await ok(cli(['Remove-Container', '-Name', 'web1,web2', '-Force']), 'Remove-Container');
      await untouched('Remove-Container');
      await ok(cli(['Remove-ContainerImage', '-Name', 'WebApp,NanoServer', '-Force']), 'Remove-ContainerImage');
      await untouched('Remove-ContainerImage');
      assert.deepEqual((await readdir(join(store, 'layers'))).filter((n) => HEX.test(n)), [], 'the store\'s own layers are gone');
      assert.deepEqual(await readdir(join(store, 'containers')), [], 'the store\'s own containers are gone');
    });
  }
});
