/**
 * The demo's sample images: a NanoServer-like and a ServerCore-like base OS image and an
 * IIS-like image layered on ServerCore, each a single windows/amd64 manifest with os.version
 * 10.0.17763.x, as Microsoft's LTSC 2019 images are. Their layers are in the Windows layer tar
 * format that hcsshim's `wclayer export` writes and `wclayer import` reads: everything under the
 * top-level `Files/` (the file system) and `Hives/` (registry hive deltas) directories,
 * deletions as `.wh.` whiteouts under `Files/`. The bytes are tiny stand-ins, not Windows.
 */
import { publishImage, tarFromEntries, type PublishedImage, type TarEntry } from './oci-layout.js';

/** The build every sample is for (Windows Server 2019, LTSC, with an update revision). */
export const SAMPLE_OS_VERSION = '10.0.17763.5458';

export const SAMPLE_NAMES = {
  nanoserver: { repo: 'windows/nanoserver', tag: SAMPLE_OS_VERSION },
  servercore: { repo: 'windows/servercore', tag: SAMPLE_OS_VERSION },
  iis: { repo: 'windows/servercore/iis', tag: '10.0.17763.5458' },
} as const;

export interface WindowsSamples {
  nanoserver: PublishedImage;
  servercore: PublishedImage;
  iis: PublishedImage;
}

const dir = (name: string): TarEntry => ({ name, type: 'directory' });
const file = (name: string, content: string | Buffer): TarEntry => ({ name, content });

/** The registry hives a base layer carries, as deltas (empty stand-ins of a few KiB). */
const HIVES = ['DefaultUser_Delta', 'Sam_Delta', 'Security_Delta', 'Software_Delta', 'System_Delta'];

/** A base layer: the Windows directory and every hive. */
function baseLayer(edition: string, files: TarEntry[]): Promise<Buffer> {
  return tarFromEntries([
    dir('Files'),
    dir('Files/Windows'),
    dir('Files/Windows/System32'),
    file('Files/Windows/System32/ntdll.dll', `MZ ${edition} ntdll stand-in\r\n`),
    file('Files/Windows/win.ini', '; for 16-bit app support\r\n[fonts]\r\n'),
    ...files,
    dir('Hives'),
    ...HIVES.map((h) => file(`Hives/${h}`, Buffer.alloc(4096, h.length))),
  ]);
}

function windowsImage(names: { repo: string; tag: string }, title: string, description: string, layers: Buffer[], base?: PublishedImage) {
  return {
    ...names,
    os: 'windows',
    architecture: 'amd64',
    osVersion: SAMPLE_OS_VERSION,
    annotations: {
      'org.opencontainers.image.title': title,
      'org.opencontainers.image.description': description,
      'org.opencontainers.image.vendor': 'Microsoft',
      ...(base && { 'org.opencontainers.image.base.name': base.reference, 'org.opencontainers.image.base.digest': base.manifestDigest }),
    },
    layers: layers.map((tar, i) => ({ tar, createdBy: `${title} layer ${i + 1}` })),
  };
}

/** Publishes the three samples into the plain-http registry at `host` with skopeo (about a second). */
export async function publishWindowsSamples(host: string): Promise<WindowsSamples> {
  const nanoLayer = await baseLayer('nanoserver', [file('Files/License.txt', 'Nano Server sample (ctrimg demo)\r\n')]);
  const coreLayers = [
    await baseLayer('servercore', [dir('Files/Windows/Temp'), file('Files/Windows/Temp/setup.log', 'setup\r\n'), file('Files/License.txt', 'Server Core sample (ctrimg demo)\r\n')]),
    // An update layer: replaces a file, deletes one, changes a hive.
    await tarFromEntries([
      dir('Files'),
      dir('Files/Windows'),
      dir('Files/Windows/System32'),
      file('Files/Windows/System32/ntdll.dll', 'MZ servercore ntdll stand-in, updated\r\n'),
      dir('Files/Windows/Temp'),
      file('Files/Windows/Temp/.wh.setup.log', ''),
      dir('Hives'),
      file('Hives/Software_Delta', Buffer.alloc(4096, 7)),
    ]),
  ];
  const iisLayer = await tarFromEntries([
    dir('Files'),
    dir('Files/inetpub'),
    dir('Files/inetpub/wwwroot'),
    file('Files/inetpub/wwwroot/iisstart.htm', '<!DOCTYPE html><title>IIS Windows Server</title>\r\n'),
    dir('Files/Windows'),
    dir('Files/Windows/System32'),
    dir('Files/Windows/System32/inetsrv'),
    file('Files/Windows/System32/inetsrv/w3wp.exe', 'MZ w3wp stand-in\r\n'),
    dir('Hives'),
    file('Hives/Software_Delta', Buffer.alloc(4096, 9)),
    file('Hives/System_Delta', Buffer.alloc(4096, 9)),
  ]);

  const [nanoserver, servercore] = await Promise.all([
    publishImage(host, windowsImage(SAMPLE_NAMES.nanoserver, 'NanoServer', 'Nano Server base OS image (ctrimg demo sample)', [nanoLayer])),
    publishImage(host, windowsImage(SAMPLE_NAMES.servercore, 'ServerCore', 'Server Core base OS image (ctrimg demo sample)', coreLayers)),
  ]);
  const iis = await publishImage(
    host,
    windowsImage(SAMPLE_NAMES.iis, 'IIS', 'Internet Information Services on Server Core (ctrimg demo sample)', [...coreLayers, iisLayer], servercore),
  );
  return { nanoserver, servercore, iis };
}
