import type { CmdletSpec } from '../src/cli/types.js';
import { MAX_CONCURRENT_DOWNLOADS } from '../src/ops/install-limits.js';
import { conflicting, sourceHints } from './hints.js';
import { EXACT, importerParam, RANGE, versionParams } from './params.js';

export const REFERENCE = 'Reference';
export const PATH = 'Path';
/**
 * Without -Name, -Reference or -Path, Find-ContainerImage's objects are read from stdin: each is
 * installed at exactly the Version it lists, from its Source.
 */
export const PIPELINE = 'Pipeline';
const BY_NAME = [RANGE, EXACT];

export const cmdlet: CmdletSpec = {
  name: 'Install-ContainerImage',
  synopsis: 'Installs an image (and the base image it names, first) from a source, a reference, or an archive or layout on disk.',
  confirmImpact: 'Medium',
  params: [
    { name: 'Name', type: 'string', required: true, positional: true, sets: BY_NAME, description: 'Image name as Find-ContainerImage shows it. Without it, -Reference or -Path, found image objects are read as JSON from stdin.' },
    ...versionParams,
    { name: 'Source', type: 'string', sets: BY_NAME, description: 'Install only from this source.' },
    { name: 'Reference', type: 'string', required: true, sets: [REFERENCE], description: 'host[:port]/repository[:tag|@sha256:digest], without a source.' },
    { name: 'Insecure', type: 'switch', sets: [REFERENCE], description: 'Talk plain http to a registry that is not a registered source.' },
    {
      name: 'Path',
      type: 'string',
      required: true,
      sets: [PATH],
      description: 'An archive file (an OCI archive or a docker-save archive, as Save-ContainerImage, skopeo and docker save write) or an OCI layout directory.',
    },
    { name: 'Image', type: 'string', sets: [PATH], description: 'Which image of several in -Path: repo:tag (docker-save), its ref name (OCI), sha256:<digest>, or @N (its position, from 0).' },
    { name: 'Repository', type: 'string', sets: [PATH], description: 'The repository (host/repo) to record the image under (default: its RepoTag, else the file or directory name).' },
    { name: 'Platform', type: 'string', description: 'os/arch[/variant][:osversion][+feature...] to pick from a multi-platform image (default: this host, or $CTRIMG_HOST_PLATFORM).' },
    {
      name: 'MaxConcurrentDownloads',
      type: 'number',
      range: [1, MAX_CONCURRENT_DOWNLOADS],
      description: `Layers downloaded and imported at once (default 3, from 1 to ${MAX_CONCURRENT_DOWNLOADS}).`,
    },
    { name: 'DropLayerBlobs', type: 'switch', description: 'Delete the compressed layer blobs once imported, to save disk (kept by default for re-import).' },
    importerParam,
  ],
  parameterSets: { names: [RANGE, EXACT, REFERENCE, PATH, PIPELINE], default: RANGE },
  hints: {
    ...sourceHints,
    IMAGE_NOT_FOUND: 'Find-ContainerImage lists what the sources offer',
    ARCHIVE_UNKNOWN: 'check -Path, and -Image against the names the archive holds',
    // A single manifest offers nothing to choose: its error's own hint stands.
    PLATFORM_NOT_FOUND: (err) => (err.details.imagePlatform ? undefined : 'choose one of those with -Platform'),
    BASE_UNTRUSTED: (err) =>
      `install the base first: ctrimg Install-ContainerImage -Reference ${err.details.reference}, or Register-ContainerImageSource for that registry`,
    PARAMETER_SET_CONFLICT: (err) =>
      conflicting(err, 'Insecure') ? 'with -Name, plain http is a property of the source: Register-ContainerImageSource -Insecure' : undefined,
  },
  examples: [
    { command: 'ctrimg Install-ContainerImage -Name NanoServer -Version 10.0.17763.1', description: 'An exact version from the registered sources.' },
    { command: 'ctrimg Install-ContainerImage -Reference 127.0.0.1:5000/windows/servercore:ltsc2019 -Insecure', description: 'By reference from a registry over http.' },
    { command: 'ctrimg Install-ContainerImage -Path servercore.tar', description: 'From an archive Save-ContainerImage (or docker save) wrote on another host.' },
    { command: 'ctrimg Find-ContainerImage -Name WebApp -AllVersions --json | ctrimg Install-ContainerImage', description: 'Every version Find listed, each from the source it was found in.' },
  ],
  run: (...a) => import('./run/Install-ContainerImage.js').then((m) => m.run(...a)),
};
