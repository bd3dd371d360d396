/**
 * Objects piped in on stdin: what another ctrimg printed with -OutputFormat Json (one array),
 * a single object, or one object per line (jq -c). This module alone knows the property names
 * of that output; it binds each object to the request the receiving cmdlet's operation takes,
 * as PowerShell binds parameters ByPropertyName: property names case-insensitive, one operation
 * per object. An object another cmdlet printed than the one the receiver takes (a container
 * piped to Install-ContainerImage) is refused before anything changes.
 */
import { usage } from '../errors.js';
import { tryParseVersion, type Version } from '../image/version.js';
import type { ContainerSelector, NewContainerRequest } from '../ops/containers.js';
import type { ImageSelector } from '../ops/images.js';
import type { RegistryRequest } from '../ops/install.js';
import type { SaveItem } from '../ops/save.js';

type Piped = Record<string, unknown>;

export function parsePiped(text: string): Piped[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let values: unknown[];
  try {
    const doc: unknown = JSON.parse(trimmed);
    values = Array.isArray(doc) ? doc : [doc];
  } catch {
    try {
      values = trimmed.split(/\r?\n/).filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
    } catch {
      throw usage('stdin is not JSON', { code: 'PIPED_INVALID', hint: 'pipe the JSON output of a ctrimg cmdlet' });
    }
  }
  if (!values.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v))) {
    throw usage('stdin must hold JSON objects (or an array of them)', { code: 'PIPED_INVALID' });
  }
  return values as Piped[];
}

/** A property by its name in any case, as PowerShell binds ByPropertyName. */
function property(o: Piped, name: string): unknown {
  if (name in o) return o[name];
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : o[key];
}

/** A non-empty string property, else undefined. */
function text(o: Piped, name: string): string | undefined {
  const v = property(o, name);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The outputs a piped object may come from, each told by properties only it has. */
const KINDS = {
  container: { one: 'a container (Get-Container)', many: 'containers (Get-Container -OutputFormat Json)', marks: ['State', 'Uptime', 'ParentImageName'] },
  installed: {
    one: 'an installed image (Get-ContainerImage)',
    many: 'installed images (Get-ContainerImage -OutputFormat Json)',
    marks: ['IsOSImage', 'ParentImage', 'Publisher', 'Digest', 'Platform'],
  },
  found: { one: 'a found image (Find-ContainerImage)', many: 'found images (Find-ContainerImage -OutputFormat Json)', marks: ['Source', 'Description'] },
} as const;
type Kind = keyof typeof KINDS;

/**
 * The output `o` came from; undefined for an object none of them printed (one made by hand or
 * by jq), which is bound by the properties it has, as PowerShell binds any object.
 */
export function pipedKind(o: Piped): Kind | undefined {
  return (Object.keys(KINDS) as Kind[]).find((k) => KINDS[k].marks.some((m) => property(o, m) !== undefined));
}

/** Refuses the objects of a kind `cmdlet` does not take, naming what it takes. */
function expectKinds(objects: Piped[], cmdlet: string, takes: Kind[]): void {
  objects.forEach((o, i) => {
    const kind = pipedKind(o);
    if (kind === undefined || takes.includes(kind)) return;
    const expected = takes.map((k) => KINDS[k].many).join(' or ');
    throw usage(`piped object ${i + 1} of ${objects.length} is ${KINDS[kind].one}; ${cmdlet} takes ${expected}`, {
      code: 'PIPED_INVALID',
      hint: `ctrimg ${cmdlet} -? shows what to pipe to it`,
      details: { kind },
    });
  });
}

/** The Version property parsed, undefined when absent; a usage error when it is not a version. */
function versionOf(o: Piped): Version | undefined {
  const version = text(o, 'Version');
  if (version === undefined) return undefined;
  const parsed = tryParseVersion(version);
  if (!parsed) throw usage(`a piped object's Version '${version}' is not a version`, { code: 'PIPED_INVALID' });
  return parsed;
}

/**
 * An installed image's object: by Repository and Digest when both are present, else by Id, else
 * by Name with Publisher and Version.
 */
function imageSelector(o: Piped): ImageSelector {
  const [repository, digest, id, name] = [text(o, 'Repository'), text(o, 'Digest'), text(o, 'Id'), text(o, 'Name')];
  if (repository && digest) return { by: 'manifest', repository, digest };
  if (id) return { by: 'id', id };
  if (!name) throw usage('a piped object names no image: it needs Repository and Digest, Id, or Name', { code: 'PIPED_INVALID' });
  return { by: 'name', name, publisher: text(o, 'Publisher'), version: versionOf(o) };
}

/**
 * A found image's object: its Name, exactly its Version (not the newest, which the sources may
 * offer by now) and from its Source, as Install-ContainerImage -Name -RequiredVersion -Source.
 */
function foundRequest(o: Piped): RegistryRequest {
  const name = text(o, 'Name');
  if (!name) throw usage('a piped object names no image: it needs Name (and Version, Source)', { code: 'PIPED_INVALID' });
  const required = versionOf(o);
  return { by: 'name', name, versions: required ? { required } : {}, source: text(o, 'Source') };
}

/** Installed images piped to `cmdlet` (Remove-ContainerImage, Save-ContainerImage): one selector per object. */
export function pipedImages(objects: Piped[], cmdlet: string): ImageSelector[] {
  expectKinds(objects, cmdlet, ['installed']);
  return objects.map(imageSelector);
}

/** Found images piped to Install-ContainerImage: one request per object. */
export function pipedFoundImages(objects: Piped[], cmdlet = 'Install-ContainerImage'): RegistryRequest[] {
  expectKinds(objects, cmdlet, ['found']);
  return objects.map(foundRequest);
}

/**
 * Images piped to Save-ContainerImage: a found image is saved from its source, an installed one
 * (or an object of no known output, by the properties it has) from the store.
 */
export function pipedSaveItems(objects: Piped[], cmdlet = 'Save-ContainerImage'): SaveItem[] {
  expectKinds(objects, cmdlet, ['found', 'installed']);
  return objects.map((o): SaveItem => (pipedKind(o) === 'found' ? foundRequest(o) : { by: 'installed', selector: imageSelector(o) }));
}

/** Container objects (Get-Container's Json): the one with this Id, else this Name. */
export function pipedContainers(objects: Piped[], cmdlet: string): ContainerSelector[] {
  expectKinds(objects, cmdlet, ['container']);
  return objects.map((o) => {
    const [id, name] = [text(o, 'Id'), text(o, 'Name')];
    if (!id && !name) throw usage('a piped object names no container: it needs Id or Name', { code: 'PIPED_INVALID' });
    return { id, name };
  });
}

/** The one container piped to a cmdlet that makes one thing of it (New-ContainerImage names one image). */
export function pipedContainer(objects: Piped[], cmdlet: string): ContainerSelector {
  const selectors = pipedContainers(objects, cmdlet);
  if (selectors.length !== 1) {
    throw usage(`${selectors.length} containers were piped; ${cmdlet} commits one, as the one image its -Name names`, {
      code: 'PIPED_INVALID',
      hint: 'pipe one container, as Get-Container -Name <name> prints it',
    });
  }
  return selectors[0]!;
}

/**
 * Installed images piped to New-Container: one container per image, named by the -Name list in
 * the order the images come; as many names as images, or nothing is created.
 */
export function pipedNewContainers(objects: Piped[], names: string[], scratchSize?: number): NewContainerRequest[] {
  const selectors = pipedImages(objects, 'New-Container');
  if (names.length !== selectors.length) {
    throw usage(`${selectors.length} image${selectors.length === 1 ? ' was' : 's were'} piped and ${names.length} container name${names.length === 1 ? '' : 's'} given`, {
      code: 'PIPED_INVALID',
      hint: 'give one -Name per piped image, in their order: -Name web1,web2',
    });
  }
  return selectors.map((image, i) => ({ image, name: names[i]!, scratchSize }));
}
