/** Piped JSON objects bound, as PowerShell binds ByPropertyName, to the requests the operations take. */
import assert from 'node:assert/strict';
import { CtrimgError } from '../../../src/errors.js';
import {
  parsePiped,
  pipedContainer,
  pipedContainers,
  pipedFoundImages,
  pipedImages,
  pipedKind,
  pipedNewContainers,
  pipedSaveItems,
} from '../../../src/cli/piped.js';

const pipedUsage = (e: unknown) => e instanceof CtrimgError && e.kind === 'usage' && e.code === 'PIPED_INVALID';
const pipedUsageSaying = (re: RegExp) => (e: unknown) => pipedUsage(e) && re.test((e as Error).message);

const digest = `sha256:${'a'.repeat(64)}`;
const id = `sha256:${'b'.repeat(64)}`;
/** As each cmdlet prints them with -OutputFormat Json. */
const FOUND = {
  Name: 'WebApp',
  Version: '1.2.0.0',
  Source: 'local',
  Description: 'Sample web app',
  Repository: 'samples/webapp',
  Tag: '1.2.0',
  Reference: '127.0.0.1:5000/samples/webapp:1.2.0',
};
const INSTALLED = {
  Name: 'WebApp',
  Publisher: 'CN=Contoso',
  Version: '1.2.0.0',
  IsOSImage: false,
  ParentImage: { Name: 'NanoServer', Publisher: 'CN=Contoso', Version: '10.0.17763.1' },
  Id: id,
  Digest: digest,
  Repository: '127.0.0.1:5000/samples/webapp',
  Tag: '1.2.0',
  Size: 1,
  Created: null,
  Platform: 'linux/amd64',
};
const CONTAINER = {
  Name: 'web1',
  State: 'Off',
  Uptime: '00:00:00',
  ParentImageName: 'WebApp',
  Id: 'c'.repeat(64),
  Path: '/x',
  Image: { Name: 'WebApp', Publisher: 'CN=Contoso', Version: '1.2.0.0' },
  Created: '2026-01-01T00:00:00.000Z',
};

describe('piped objects', () => {
  it('reads one array, one object, or one object per line', () => {
    assert.deepEqual(parsePiped('[{"Name":"a"},{"Name":"b"}]'), [{ Name: 'a' }, { Name: 'b' }]);
    assert.deepEqual(parsePiped('{"Name":"a"}'), [{ Name: 'a' }]);
    assert.deepEqual(parsePiped('{"Name":"a"}\n{"Name":"b"}\n'), [{ Name: 'a' }, { Name: 'b' }]);
    assert.deepEqual(parsePiped('  \n'), []);
    assert.deepEqual(parsePiped('[]'), [], 'a listing that found nothing: no object');
  });

  it('refuses what is not JSON objects', () => {
    assert.throws(() => parsePiped('not json'), pipedUsageSaying(/not JSON/));
    assert.throws(() => parsePiped('[{"Name":"a"}'), pipedUsageSaying(/not JSON/));
    assert.throws(() => parsePiped('[1, 2]'), pipedUsageSaying(/JSON objects/));
    assert.throws(() => parsePiped('"WebApp"'), pipedUsageSaying(/JSON objects/));
    assert.throws(() => parsePiped('[[{"Name":"a"}]]'), pipedUsageSaying(/JSON objects/));
  });

  it("tells each cmdlet's output by the properties only it has, in any case", () => {
    assert.equal(pipedKind(FOUND), 'found');
    assert.equal(pipedKind(INSTALLED), 'installed');
    assert.equal(pipedKind(CONTAINER), 'container');
    assert.equal(pipedKind({ name: 'x', isosimage: true }), 'installed');
    assert.equal(pipedKind({ NAME: 'x', SOURCE: 'local' }), 'found');
    assert.equal(pipedKind({ Name: 'x', Version: '1.0' }), undefined);
  });

  describe('to Install-ContainerImage', () => {
    it('binds Name, exactly the Version Find listed, and its Source', () => {
      const [req] = pipedFoundImages([FOUND]);
      assert.ok(req?.by === 'name');
      assert.equal(req.name, 'WebApp');
      assert.equal(req.source, 'local');
      assert.equal(req.versions.required?.text, '1.2.0.0');
      assert.equal(req.versions.minimum, undefined);
      assert.equal(req.versions.maximum, undefined);
    });

    it('binds property names in any case, as PowerShell does', () => {
      const [req] = pipedFoundImages([{ name: 'WebApp', VERSION: '1.2', source: 'other', description: '' }]);
      assert.ok(req?.by === 'name');
      assert.deepEqual([req.name, req.source, req.versions.required?.text], ['WebApp', 'other', '1.2.0.0']);
    });

    it('makes one request per object of an array, and one of a single object', () => {
      const two = pipedFoundImages(parsePiped(JSON.stringify([FOUND, { ...FOUND, Version: '1.3.0.0' }])));
      assert.deepEqual(
        two.map((r) => (r.by === 'name' ? r.versions.required?.text : r.by)),
        ['1.2.0.0', '1.3.0.0'],
      );
      assert.equal(pipedFoundImages(parsePiped(JSON.stringify(FOUND))).length, 1);
    });

    it('refuses a container or an installed image, naming what it takes', () => {
      assert.throws(
        () => pipedFoundImages([FOUND, CONTAINER]),
        pipedUsageSaying(/^piped object 2 of 2 is a container \(Get-Container\); Install-ContainerImage takes found images \(Find-ContainerImage -OutputFormat Json\)$/),
      );
      assert.throws(() => pipedFoundImages([INSTALLED]), pipedUsageSaying(/is an installed image \(Get-ContainerImage\); Install-ContainerImage takes/));
    });

    it('refuses an object without Name, or with a Version that is not one', () => {
      assert.throws(() => pipedFoundImages([{ Source: 'local' }]), pipedUsageSaying(/needs Name/));
      assert.throws(() => pipedFoundImages([{ ...FOUND, Version: 'banana' }]), pipedUsageSaying(/'banana'/));
    });
  });

  describe('to Remove-ContainerImage (installed images)', () => {
    it('selects an image by repository and digest, else by id, else by name, publisher and version', () => {
      const selectors = pipedImages(
        [INSTALLED, { ...INSTALLED, Repository: '' }, { Name: 'WebApp', Publisher: 'CN=Contoso', Version: '1.2' }, { Name: 'WebApp', Version: null }],
        'Remove-ContainerImage',
      );
      assert.equal(selectors.length, 4);
      assert.deepEqual(selectors[0], { by: 'manifest', repository: '127.0.0.1:5000/samples/webapp', digest });
      assert.deepEqual(selectors[1], { by: 'id', id });
      const byName = selectors[2]!;
      assert.ok(byName.by === 'name');
      assert.equal(byName.name, 'WebApp');
      assert.equal(byName.publisher, 'CN=Contoso');
      assert.equal(byName.version?.text, '1.2.0.0');
      assert.deepEqual(selectors[3], { by: 'name', name: 'WebApp', publisher: undefined, version: undefined });
    });

    it('reads property names in any case', () => {
      assert.deepEqual(pipedImages([{ repository: 'r', DIGEST: digest, isosimage: true }], 'Remove-ContainerImage'), [{ by: 'manifest', repository: 'r', digest }]);
      assert.deepEqual(pipedImages([{ id }], 'Remove-ContainerImage'), [{ by: 'id', id }]);
    });

    it('refuses an object that names no image, or whose Version is not a version', () => {
      assert.throws(() => pipedImages([{ Publisher: 'CN=Contoso' }], 'Remove-ContainerImage'), pipedUsageSaying(/Repository and Digest, Id, or Name/));
      assert.throws(() => pipedImages([{ Name: 'WebApp', Version: 'banana' }], 'Remove-ContainerImage'), pipedUsageSaying(/'banana'/));
    });

    it('refuses a found image or a container', () => {
      assert.throws(() => pipedImages([FOUND], 'Remove-ContainerImage'), pipedUsageSaying(/is a found image \(Find-ContainerImage\); Remove-ContainerImage takes installed images \(Get-ContainerImage -OutputFormat Json\)$/));
      assert.throws(() => pipedImages([CONTAINER], 'Remove-ContainerImage'), pipedUsageSaying(/is a container/));
    });
  });

  describe('to Save-ContainerImage', () => {
    it('saves a found image from its source at its version, an installed one from the store', () => {
      const [found, installed, plain] = pipedSaveItems([FOUND, INSTALLED, { Name: 'WebApp' }]);
      assert.ok(found?.by === 'name');
      assert.deepEqual([found.name, found.source, found.versions.required?.text], ['WebApp', 'local', '1.2.0.0']);
      assert.deepEqual(installed, { by: 'installed', selector: { by: 'manifest', repository: '127.0.0.1:5000/samples/webapp', digest } });
      assert.deepEqual(plain, { by: 'installed', selector: { by: 'name', name: 'WebApp', publisher: undefined, version: undefined } });
    });

    it('refuses a container, naming both kinds it takes', () => {
      assert.throws(() => pipedSaveItems([CONTAINER]), pipedUsageSaying(/Save-ContainerImage takes found images \(Find-ContainerImage -OutputFormat Json\) or installed images \(Get-ContainerImage -OutputFormat Json\)$/));
    });
  });

  describe('to New-Container', () => {
    it('pairs one -Name per image, in their order', () => {
      const reqs = pipedNewContainers([INSTALLED, { ...INSTALLED, Digest: `sha256:${'d'.repeat(64)}` }], ['web1', 'web2'], 42);
      assert.deepEqual(
        reqs.map((r) => [r.name, 'image' in r && r.image.by === 'manifest' ? r.image.digest : '?', r.scratchSize]),
        [
          ['web1', digest, 42],
          ['web2', `sha256:${'d'.repeat(64)}`, 42],
        ],
      );
    });

    it('refuses as many names as images not given, and a found image', () => {
      assert.throws(() => pipedNewContainers([INSTALLED, INSTALLED], ['web1'], undefined), pipedUsageSaying(/^2 images were piped and 1 container name given$/));
      assert.throws(() => pipedNewContainers([INSTALLED], ['a', 'b'], undefined), pipedUsageSaying(/1 image was piped and 2 container names given/));
      assert.throws(() => pipedNewContainers([FOUND], ['web1'], undefined), pipedUsageSaying(/New-Container takes installed images/));
    });
  });

  describe('to Remove-Container and New-ContainerImage', () => {
    it('selects a container by Id or Name, in any case, and refuses an object with neither', () => {
      assert.deepEqual(pipedContainers([CONTAINER, { name: 'web2' }], 'Remove-Container'), [
        { id: 'c'.repeat(64), name: 'web1' },
        { id: undefined, name: 'web2' },
      ]);
      assert.throws(() => pipedContainers([{ State: 'Off' }], 'Remove-Container'), pipedUsageSaying(/Id or Name/));
    });

    it('refuses an image piped as a container', () => {
      assert.throws(() => pipedContainers([INSTALLED], 'Remove-Container'), pipedUsageSaying(/is an installed image \(Get-ContainerImage\); Remove-Container takes containers \(Get-Container -OutputFormat Json\)$/));
      assert.throws(() => pipedContainer([FOUND], 'New-ContainerImage'), pipedUsageSaying(/New-ContainerImage takes containers/));
    });

    it('New-ContainerImage takes exactly one container', () => {
      assert.deepEqual(pipedContainer([CONTAINER], 'New-ContainerImage'), { id: 'c'.repeat(64), name: 'web1' });
      assert.throws(() => pipedContainer([CONTAINER, { ...CONTAINER, Name: 'web2', Id: 'e'.repeat(64) }], 'New-ContainerImage'), pipedUsageSaying(/^2 containers were piped; New-ContainerImage commits one/));
    });
  });
});
