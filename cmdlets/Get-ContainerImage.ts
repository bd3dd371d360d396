import type { CmdletSpec } from '../src/cli/types.js';
import { conflicting } from './hints.js';

const LIST = 'List';
export const CHILD_OF = 'ChildOf';
export const ANCESTOR_OF = 'AncestorOf';
const FILTERED = [LIST, CHILD_OF, ANCESTOR_OF];
/** The whole forest: filters would cut it, so -Graph takes none. */
export const GRAPH = 'Graph';

export const cmdlet: CmdletSpec = {
  name: 'Get-ContainerImage',
  synopsis: 'Lists installed images with their publisher, version and lineage, or draws them as a graph.',
  params: [
    { name: 'Name', type: 'string[]', positional: true, sets: FILTERED, completesImageNames: true, description: 'Image names; case-insensitive wildcards.' },
    { name: 'Publisher', type: 'string', sets: FILTERED, description: 'Only images of this publisher (Microsoft or CN=Microsoft; wildcards).' },
    { name: 'Version', type: 'string', sets: FILTERED, description: 'Only this version.' },
    { name: 'ChildOf', type: 'string', required: true, sets: [CHILD_OF], description: 'Only images whose ParentImage is this image (a name; wildcards).' },
    { name: 'Recurse', type: 'switch', sets: [CHILD_OF], description: 'With -ChildOf: all descendants, children first.' },
    { name: 'AncestorOf', type: 'string', required: true, sets: [ANCESTOR_OF], description: "Only this image's ParentImage, its ParentImage, and so on, nearest first." },
    { name: 'Property', type: 'string[]', sets: FILTERED, description: 'Show only these properties, e.g. Name,ParentImage.' },
    { name: 'Graph', type: 'switch', required: true, sets: [GRAPH], description: 'Draw every image under its ParentImage, with its containers (-OutputFormat Dot: Graphviz source).' },
  ],
  parameterSets: { names: [LIST, CHILD_OF, ANCESTOR_OF, GRAPH], default: LIST },
  outputFormats: ['Table', 'Json', 'Dot'],
  hints: {
    IMAGE_NOT_FOUND: 'Get-ContainerImage without -ChildOf or -AncestorOf lists them',
    PARAMETER_SET_CONFLICT: (err) =>
      conflicting(err, 'Graph') ? '-Graph draws every image and takes no filter' : 'give one of -ChildOf and -AncestorOf',
  },
  examples: [
    { command: 'ctrimg Get-ContainerImage', description: 'Every installed image.' },
    { command: 'ctrimg Get-ContainerImage -Name Web* -Property Name,ParentImage', description: 'Which image each web image is built on.' },
    { command: 'ctrimg Get-ContainerImage -ChildOf NanoServer -Recurse', description: 'Every image built on NanoServer, at any depth.' },
    { command: 'ctrimg Get-ContainerImage -AncestorOf WebApp', description: "WebApp's parent, its parent, and so on to the OS image." },
    { command: 'ctrimg Get-ContainerImage -Graph -OutputFormat Dot | dot -Tsvg > images.svg', description: "The host's image families as a picture." },
    { command: 'ctrimg Get-ContainerImage -OutputFormat Json', description: 'Objects for ConvertFrom-Json or jq.' },
  ],
  run: (...a) => import('./run/Get-ContainerImage.js').then((m) => m.run(...a)),
};
