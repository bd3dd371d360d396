import type { CmdletSpec } from '../src/cli/types.js';
import { sourceHints } from './hints.js';
import { EXACT, RANGE, versionParams } from './params.js';

export const REFERENCE = 'Reference';
/**
 * Without -Name or -Reference, image objects are read from stdin: found ones (Find-ContainerImage)
 * are saved from their source, installed ones (Get-ContainerImage) from the store; all into the
 * one archive, unless the format would give two of them one name.
 */
export const PIPELINE = 'Pipeline';
const BY_NAME = [RANGE, EXACT];

export const cmdlet: CmdletSpec = {
  name: 'Save-ContainerImage',
  synopsis: 'Writes an image to an archive file (OCI or docker-save) or an OCI layout directory, for hosts with no registry access.',
  confirmImpact: 'Medium',
  params: [
    { name: 'Name', type: 'string', required: true, positional: true, sets: BY_NAME, description: 'Image name as Find-ContainerImage shows it: saved from the sources, not installed. Without it or -Reference, image objects are read as JSON from stdin.' },
    ...versionParams,
    { name: 'Source', type: 'string', sets: BY_NAME, description: 'Only from this source.' },
    { name: 'Reference', type: 'string', required: true, sets: [REFERENCE], description: 'host[:port]/repository[:tag|@sha256:digest], without a source.' },
    { name: 'Insecure', type: 'switch', sets: [REFERENCE], description: 'Talk plain http to a registry that is not a registered source.' },
    { name: 'Path', type: 'string', required: true, description: 'The archive file to write; an existing directory is an OCI layout the image is added to.' },
    { name: 'Format', type: 'string', choices: ['oci', 'docker'], description: "The archive's format: 'oci' (default; an OCI layout in a tar) or 'docker' (as docker save writes it)." },
    { name: 'Force', type: 'switch', description: 'Replace the file at -Path.' },
    { name: 'Platform', type: 'string', sets: [...BY_NAME, REFERENCE, PIPELINE], description: 'os/arch[/variant][:osversion] to pick from a multi-platform image (default: this host).' },
  ],
  parameterSets: { names: [RANGE, EXACT, REFERENCE, PIPELINE], default: RANGE },
  hints: {
    ...sourceHints,
    IMAGE_NOT_FOUND: 'Find-ContainerImage lists what the sources offer; Get-ContainerImage what is installed',
    ARCHIVE_EXISTS: 'give another -Path, or -Force to replace the file',
    BLOB_NOT_STORED: 'the image was installed with -DropLayerBlobs: save it from its source with -Name or -Reference instead',
  },
  examples: [
    { command: 'ctrimg Save-ContainerImage -Name NanoServer -Version 10.0.17763.1 -Path nanoserver.tar', description: 'From the registered sources to an OCI archive, without installing it.' },
    { command: 'ctrimg Save-ContainerImage -Reference 127.0.0.1:5000/samples/webapp:1.2.0 -Insecure -Path webapp.tar -Format docker', description: 'A docker-save archive, for docker load.' },
    { command: 'ctrimg Get-ContainerImage -Name WebApp --json | ctrimg Save-ContainerImage -Path webapp.tar', description: 'Installed images, piped in, into one archive.' },
    { command: 'ctrimg Find-ContainerImage -Name Nano*,WebApp --json | ctrimg Save-ContainerImage -Path images.tar -Format docker', description: 'The versions Find listed, from their sources, into one docker archive.' },
  ],
  run: (...a) => import('./run/Save-ContainerImage.js').then((m) => m.run(...a)),
};
