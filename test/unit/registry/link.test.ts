import assert from 'node:assert/strict';
import { nextLink } from '../../../src/registry/link.js';

describe('registry/link', () => {
  const base = new URL('http://127.0.0.1:5000/v2/_catalog?n=1');
  const table: [string | string[] | undefined, string | undefined][] = [
    ['</v2/_catalog?last=a&n=1>; rel="next"', 'http://127.0.0.1:5000/v2/_catalog?last=a&n=1'],
    ['<http://127.0.0.2:1/v2/x/tags/list?last=b>; rel=next', 'http://127.0.0.2:1/v2/x/tags/list?last=b'],
    ['</a>; rel="prev", </b>; rel="next"', 'http://127.0.0.1:5000/b'],
    ['</a>; title="x"; REL="Next Last"', 'http://127.0.0.1:5000/a'],
    [['</a>; rel="prev"', '</c?x=1,2>; rel="next"'], 'http://127.0.0.1:5000/c?x=1,2'],
    ['</a>; rel="prev"', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [header, want] of table) {
    it(`finds next in ${JSON.stringify(header)}`, () => {
      assert.equal(nextLink(header, base)?.href, want);
    });
  }
});
