import assert from 'node:assert/strict';
import { closest, levenshtein } from '../../src/suggest.js';

describe('suggest', () => {
  it('levenshtein counts edits, ignoring case', () => {
    assert.equal(levenshtein('kitten', 'sitting'), 3);
    assert.equal(levenshtein('Name', 'name'), 0);
    assert.equal(levenshtein('', 'abc'), 3);
    assert.equal(levenshtein('Nmae', 'Name'), 2);
  });

  it('closest picks the nearest candidate within reach, else nothing', () => {
    assert.equal(closest('get-containerimages', ['Get-Container', 'Get-ContainerImage']), 'Get-ContainerImage');
    assert.equal(closest('Nmae', ['Name', 'Force']), 'Name');
    assert.equal(closest('xyz', ['Name', 'Force']), undefined);
  });

  it('breaks ties by candidate order', () => {
    assert.equal(closest('ab', ['ac', 'ad']), 'ac');
  });
});
