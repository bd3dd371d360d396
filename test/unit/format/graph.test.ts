import assert from 'node:assert/strict';
import { renderDot, renderGraph, renderTree } from '../../../src/format/graph.js';
import type { ImageTree } from '../../../src/ops/lineage.js';
import type { ContainerRecord, ImageRecord } from '../../../store/index.js';

const image = (id: number, name: string, version: string | null, publisher: string | null = null): ImageRecord => ({
  id, name, version, publisher, description: null, repository: `r/${name}`, tag: null, manifestDigest: `sha256:m${id}`,
  configDigest: `sha256:c${id}`, platform: 'linux/amd64', size: 1, created: null, installed: 'now', sourceId: null, parentId: null, pulled: true,
});
const container = (id: number, name: string, state: ContainerRecord['state']): ContainerRecord => ({ id, cid: `${id}`.repeat(64), name, imageId: 0, state, created: 'now', started: null });
const node = (img: ImageRecord, containers: ContainerRecord[] = [], children: ImageTree[] = []): ImageTree => ({ image: img, containers, children });

const forest: ImageTree[] = [
  node(image(1, 'NanoServer', '10.0.17763.1', 'Microsoft'), [container(1, 'c1', 'Running')], [
    node(image(2, 'WebApp', '1.2.0.0', 'Contoso'), [container(2, 'c2', 'Off')], [node(image(3, 'Api', null))]),
    node(image(4, 'Worker', '1.0.0.0')),
  ]),
  node(image(5, 'Core', null)),
];

/**
 * The statements of dot source, each quoted string read back by the DOT language's rule (only
 * `\"` is an escape to dot itself; other backslash pairs stay for the label's own escapes).
 */
function parseDot(text: string): { nodes: Map<string, Record<string, string>>; edges: [string, string][] } {
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], 'digraph images {');
  assert.equal(lines.at(-1), '}');
  const str = String.raw`"((?:[^"\\]|\\.)*)"`;
  const nodeRe = new RegExp(String.raw`^  ${str} \[((?:\w+=(?:${str}|\w+)(?:, )?)+)\];$`);
  const edgeRe = new RegExp(String.raw`^  ${str} -> ${str};$`);
  const nodes = new Map<string, Record<string, string>>();
  const edges: [string, string][] = [];
  const unquote = (s: string) => s.replace(/\\"/g, '"');
  for (const line of lines.slice(1, -1)) {
    if (/^  (rankdir=LR|node \[shape=box\]);$/.test(line)) continue;
    const e = edgeRe.exec(line);
    if (e) {
      edges.push([unquote(e[1]!), unquote(e[2]!)]);
      continue;
    }
    const n = nodeRe.exec(line);
    assert.ok(n, `not a dot statement: ${line}`);
    const attrs = Object.fromEntries([...n[2]!.matchAll(new RegExp(String.raw`(\w+)=(?:${str}|(\w+))`, 'g'))].map((m) => [m[1]!, m[2] === undefined ? m[3]! : unquote(m[2])]));
    nodes.set(unquote(n[1]!), attrs);
  }
  for (const [from, to] of edges) assert.ok(nodes.has(from) && nodes.has(to), `edge ${from} -> ${to} names declared nodes`);
  return { nodes, edges };
}

describe('image graph rendering', () => {
  it('draws a text tree with containers before child images', () => {
    assert.equal(
      renderTree(forest),
      [
        'NanoServer 10.0.17763.1 (CN=Microsoft)',
        '├── container c1 (Running)',
        '├── WebApp 1.2.0.0 (CN=Contoso)',
        '│   ├── container c2 (Off)',
        '│   └── Api',
        '└── Worker 1.0.0.0',
        'Core',
        '',
      ].join('\n'),
    );
    assert.equal(renderTree([]), '');
  });

  it('escapes registry text in the tree', () => {
    const text = renderTree([node(image(9, 'evil\x1b[2J\nfake', '1.0', 'x\u202ey'))]);
    assert.equal(text, 'evil\\x1b[2J\\nfake 1.0 (CN=x\\u202ey)\n');
  });

  it('prints dot source: a node per image and container, an edge from each parent', () => {
    const { nodes, edges } = parseDot(renderDot(forest));
    assert.equal(nodes.size, 7);
    assert.equal(nodes.get('image 1 sha256:c1')!.label, String.raw`NanoServer\n10.0.17763.1\nCN=Microsoft`);
    assert.deepEqual(nodes.get(`container ${'1'.repeat(64)}`), { shape: 'ellipse', label: String.raw`c1\nRunning` });
    assert.deepEqual(edges, [
      ['image 1 sha256:c1', `container ${'1'.repeat(64)}`],
      ['image 1 sha256:c1', 'image 2 sha256:c2'],
      ['image 2 sha256:c2', `container ${'2'.repeat(64)}`],
      ['image 2 sha256:c2', 'image 3 sha256:c3'],
      ['image 1 sha256:c1', 'image 4 sha256:c4'],
    ]);
  });

  it('quotes and escapes every id and label so dot reads them literally', () => {
    const { nodes } = parseDot(renderDot([node(image(7, 'a"b\\c', '1"; evil -> x [', null), [container(8, 'q"\n', 'Off')])]));
    // Each backslash doubled (dot's \n, \l, \N... must not apply), each quote escaped, controls as text.
    assert.equal(nodes.get('image 7 sha256:c7')!.label, String.raw`a"b\\c\n1"; evil -> x [`);
    assert.equal(nodes.get(`container ${'8'.repeat(64)}`)!.label, String.raw`q"\\n\nOff`);
  });

  it('renders nested JSON objects and picks the renderer by format', () => {
    const json = JSON.parse(renderGraph(forest, 'Json')) as { Name: string; Containers: { Name: string }[]; Children: { Name: string }[] }[];
    assert.deepEqual(json.map((n) => [n.Name, n.Containers.map((c) => c.Name), n.Children.map((c) => c.Name)]), [
      ['NanoServer', ['c1'], ['WebApp', 'Worker']],
      ['Core', [], []],
    ]);
    assert.equal(renderGraph(forest, 'Dot'), renderDot(forest));
    assert.equal(renderGraph(forest, 'Table'), renderTree(forest));
  });
});
