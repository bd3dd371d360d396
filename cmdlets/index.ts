/** Every cmdlet ctrimg offers (`ctrimg help` lists them sorted as Get-Command sorts). */
import type { CmdletSpec } from '../src/cli/types.js';
import { commonHints, importerHints } from './hints.js';
import { importerParam } from './params.js';
import { cmdlet as registerSource } from './Register-ContainerImageSource.js';
import { cmdlet as getSource } from './Get-ContainerImageSource.js';
import { cmdlet as unregisterSource } from './Unregister-ContainerImageSource.js';
import { cmdlet as find } from './Find-ContainerImage.js';
import { cmdlet as install } from './Install-ContainerImage.js';
import { cmdlet as save } from './Save-ContainerImage.js';
import { cmdlet as get } from './Get-ContainerImage.js';
import { cmdlet as remove } from './Remove-ContainerImage.js';
import { cmdlet as newContainer } from './New-Container.js';
import { cmdlet as getContainer } from './Get-Container.js';
import { cmdlet as removeContainer } from './Remove-Container.js';
import { cmdlet as newImage } from './New-ContainerImage.js';
import { cmdlet as commit } from './commit.js';
import { cmdlet as repair } from './Repair-ContainerImageStore.js';
import { cmdlet as provision } from './Invoke-ContainerImageProvisioning.js';
import { cmdlet as images } from './images.js';
import { cmdlet as history } from './history.js';
import { cmdlet as rmi } from './rmi.js';
import { cmdlet as pull } from './pull.js';
import { cmdlet as saveArchive } from './save.js';
import { cmdlet as load } from './load.js';
import { cmdlet as search } from './search.js';
import { cmdlet as getCommand } from './Get-Command.js';
import { cmdlet as completion } from './completion.js';

export const cmdlets: CmdletSpec[] = [
  registerSource, getSource, unregisterSource,
  find, install, save, get, remove,
  newContainer, getContainer, removeContainer,
  newImage, commit,
  provision,
  repair,
  getCommand,
  images, history, rmi, pull, search, saveArchive, load,
  completion,
].map((spec) => ({ ...spec, hints: { ...commonHints, ...(spec.params.includes(importerParam) && importerHints), ...spec.hints } }));
