/**
 * Get-ContainerImage -Graph: the forest of installed images, each with its containers and child
 * images, as a tree of text lines (as `tree` draws directories), as Graphviz dot source, or
 * as nested JSON objects. Names come from registry annotations: text is escaped (escape.ts),
 * dot strings are quoted with their quotes and backslashes escaped. Pure.
 */
import type { ContainerRecord, ImageRecord } from '../../store/index.js';
import type { ImageTree } from '../ops/lineage.js';
import { escapeControls } from './escape.js';
import { renderJson } from './json.js';
import type { OutputFormat } from './output-format.js';
import { formatPublisher } from './values.js';

const imageLabel = (i: ImageRecord) => [i.name, i.version, i.publisher && `(${formatPublisher(i.publisher)})`].filter(Boolean).join(' ');
const containerLabel = (c: ContainerRecord) => `container ${c.name} (${c.state})`;

/** One line per image and container, children indented under their parent with box-drawing guides. */
export function renderTree(forest: readonly ImageTree[]): string {
  const lines: string[] = [];
  const walk = (node: ImageTree, lead: string, self: string) => {
    lines.push(`${self}${escapeControls(imageLabel(node.image))}`);
    const below = [...node.containers.map((c) => ({ container: c })), ...node.children.map((t) => ({ tree: t }))];
    below.forEach((b, i) => {
      const last = i === below.length - 1;
      const [branch, next] = last ? ['└── ', '    '] : ['├── ', '│   '];
      if ('container' in b) lines.push(`${lead}${branch}${escapeControls(containerLabel(b.container))}`);
      else walk(b.tree, lead + next, lead + branch);
    });
  };
  for (const root of forest) walk(root, '', '');
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * A dot double-quoted string of the parts on separate lines: controls shown as escapes, then
 * `\` and `"` escaped so dot reads every character literally; `\n` between parts is dot's line break.
 */
const dotString = (...parts: string[]) => `"${parts.map((p) => escapeControls(p).replace(/[\\"]/g, '\\$&')).join('\\n')}"`;

const imageNode = (i: ImageRecord) => dotString(`image ${i.id} ${i.configDigest}`);

/** A digraph with an edge from each image to its child images and its containers. */
export function renderDot(forest: readonly ImageTree[]): string {
  const lines = ['digraph images {', '  rankdir=LR;', '  node [shape=box];'];
  const walk = (node: ImageTree) => {
    const { image } = node;
    const label = [image.name, image.version, image.publisher && formatPublisher(image.publisher)].filter((x): x is string => !!x);
    lines.push(`  ${imageNode(image)} [label=${dotString(...label)}];`);
    for (const c of node.containers) {
      const id = dotString(`container ${c.cid}`);
      lines.push(`  ${id} [shape=ellipse, label=${dotString(c.name, c.state)}];`, `  ${imageNode(image)} -> ${id};`);
    }
    for (const child of node.children) {
      lines.push(`  ${imageNode(image)} -> ${imageNode(child.image)};`);
      walk(child);
    }
  };
  forest.forEach(walk);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function treeObject(node: ImageTree): unknown {
  return {
    Name: node.image.name,
    Publisher: formatPublisher(node.image.publisher),
    Version: node.image.version ?? '',
    Id: node.image.configDigest,
    Containers: node.containers.map((c) => ({ Name: c.name, State: c.state, Id: c.cid })),
    Children: node.children.map(treeObject),
  };
}

export function renderGraph(forest: readonly ImageTree[], format: OutputFormat): string {
  if (format === 'Dot') return renderDot(forest);
  if (format === 'Json') return renderJson(forest.map(treeObject));
  return renderTree(forest);
}
