/** Piped JSON objects turned into the selectors the operations take. */
import assert from 'node:assert/strict';
import { CtrimgError } from '../../../src/errors.js';
import { parsePiped, pipedContainers, pipedImages } from '../../../src/format/piped.js';

const pipedUsage = (e: unknown) => e instanceof CtrimgError && e.kind === 'usage' && e.code === 'PIPED_INVALID';

describe('piped objects', () => {
  it('reads one array, one object, or one object per line', () => {
    assert.deepEqual(parsePiped('[{"Name":"a"},{"Name":"b"}]'), [{ Name: 'a' }, { Name: 'b' }]);
    assert.deepEqual(parsePiped('{"Name":"a"}'), [{ Name: 'a' }]);
    assert.deepEqual(parsePiped('{"Name":"a"}\n{"Name":"b"}\n'), [{ Name: 'a' }, { Name: 'b' }]);
    assert.deepEqual(parsePiped('  \n'), []);
    assert.throws(() => parsePiped('not json'), pipedUsage);
    assert.throws(() => parsePiped('[1, 2]'), pipedUsage);
  });

  it('selects an image by repository and digest, else by id, else by name, publisher and version', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const id = `sha256:${'b'.repeat(64)}`;
    const selectors = pipedImages([
      { Name: 'WebApp', Repository: '127.0.0.1:5000/samples/webapp', Digest: digest, Id: id },
      { Name: 'WebApp', Repository: '', Digest: digest, Id: id },
      { Name: 'WebApp', Publisher: 'CN=Contoso', Version: '1.2' },
      { Name: 'WebApp', Version: null },
    ]);
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

  it('refuses an image object that names no image, or whose Version is not a version', () => {
    assert.throws(() => pipedImages([{ Publisher: 'CN=Contoso' }]), (e: unknown) => pipedUsage(e) && /Repository and Digest, Id, or Name/.test((e as Error).message));
    assert.throws(() => pipedImages([{ Name: 'WebApp', Version: 'banana' }]), (e: unknown) => pipedUsage(e) && /'banana'/.test((e as Error).message));
  });

  it('selects a container by Id or Name, and refuses an object with neither', () => {
    assert.deepEqual(pipedContainers([{ Id: 'c'.repeat(64), Name: 'web1', State: 'Off' }, { Name: 'web2' }]), [
      { id: 'c'.repeat(64), name: 'web1' },
      { id: undefined, name: 'web2' },
    ]);
    assert.throws(() => pipedContainers([{ State: 'Off' }]), pipedUsage);
  });
});
