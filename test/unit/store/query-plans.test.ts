/**
 * The plans SQLite makes for the queries a command on one image runs (lineage, dependents, the
 * selection by id): each must reach its rows through an index, never scan a table, so that
 * their cost follows the answer and not the size of the store (bench:scale measures it). The
 * statements are caught as the queries prepare them and explained with the values they ran with.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../store/index.js';
import { addImage } from '../../support/lineage.js';

interface Ran {
  sql: string;
  args: unknown[];
}

/** Every statement `fn` runs on the store's connection, with its bound values. */
function statementsOf(store: Store, fn: () => void): Ran[] {
  const ran: Ran[] = [];
  const db = store.db;
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    const stmt = prepare(sql);
    for (const method of ['all', 'get', 'run', 'iterate'] as const) {
      const original = stmt[method].bind(stmt) as (...a: unknown[]) => unknown;
      (stmt as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        ran.push({ sql, args });
        return original(...args);
      };
    }
    return stmt;
  }) as typeof db.prepare;
  try {
    fn();
  } finally {
    db.prepare = prepare as typeof db.prepare;
  }
  return ran;
}

/** The plan's lines that scan a table or an index whole, rather than searching it. */
function scans(store: Store, { sql, args }: Ran): string[] {
  const plan = store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[];
  // The recursive walks' own rows (up, down, chain, found) and the json_each of ids given are the input.
  return plan.map((r) => r.detail).filter((d) => /^SCAN /.test(d) && !/^SCAN (up|down|chain|found|json_each)\b/.test(d));
}

describe('store query plans for one image', () => {
  let dir: string;
  let store: Store;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ctrimg-plans-'));
    store = Store.open(join(dir, 'ctrimg.db'));
    // Families enough that a scan and a search differ: three bases, children and grandchildren.
    for (const base of ['a', 'b', 'c']) {
      addImage(store, `base-${base}`, [base]);
      for (let i = 0; i < 8; i++) {
        addImage(store, `child-${base}${i}`, [base, `${base}${i}`]);
        addImage(store, `grandchild-${base}${i}`, [base, `${base}${i}`, `${base}${i}x`]);
      }
    }
  });
  after(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: [string, (s: Store, ids: (name: string) => number) => unknown][] = [
    ['children', (s, ids) => s.lineage.children(ids('base-b'))],
    ['descendants', (s, ids) => s.lineage.descendants(ids('base-b'))],
    ['descendantSummaries', (s, ids) => s.lineage.descendantSummaries([ids('base-b'), ids('base-c')])],
    ['ancestors', (s, ids) => s.lineage.ancestors(ids('grandchild-b3'))],
    ['dependents', (s, ids) => s.lineage.dependents(ids('child-b3'))],
    ['byIds', (s, ids) => s.images.byIds([ids('child-c1'), ids('base-a')])],
    ['summaries of some images', (s, ids) => s.images.summaries([ids('child-c1'), ids('base-a')])],
    ['names starting with a prefix', (s) => s.images.namesStartingWith('Child-B')],
    // Rolled back: the store stays as the other cases expect it.
    ['adding an image, which sets the parents of those above its top', (s) => s.dryRun(() => addImage(s, 'twin-b3', ['b', 'b3']))],
    ['adding a tagged image, which takes the tag from the image its repository had under it', (s) => s.dryRun(() => addImage(s, 'tagged-b3', ['b', 'b3'], { repository: 'r/child-b3', tag: '1' }))],
    ['removing an image, which sets the parents of those above it', (s, ids) => s.dryRun(() => s.images.remove(s.images.byId(ids('child-a4'))!))],
  ];
  for (const [what, query] of cases) {
    it(`${what}: searches indexes, scans no table`, () => {
      const known = new Map(store.images.names().map((i) => [i.name, i.id]));
      const ran = statementsOf(store, () => void query(store, (name) => known.get(name)!));
      assert.ok(ran.length > 0, 'no statement was caught');
      assert.deepEqual(ran.flatMap((r) => scans(store, r)), []);
    });
  }

  it('catches a scan: every image', () => {
    // The check above could pass by seeing nothing; a query that must scan shows it does not.
    const ran = statementsOf(store, () => void store.images.all());
    assert.ok(ran.flatMap((r) => scans(store, r)).length > 0);
  });
});
