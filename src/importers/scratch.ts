/**
 * The size of a container's scratch disk (its sandbox.vhdx, where everything the container
 * writes goes) under the `hcs` importer. `wclayer create` makes it at the blank size and has no
 * size flag; moby then grows it to 127 GB unless `--storage-opt size=` says otherwise
 * (daemon/graphdriver/windows/windows.go: defaultSandboxSize, create()), and so does ctrimg.
 */
import { parseByteSize } from '../content/byte-size.js';
import { usage } from '../errors.js';

const GiB = 2 ** 30;
/** moby's defaultSandboxSize, "127GB" read by go-units' RAMInBytes: 127 GiB, the default size of a Hyper-V VHD. */
export const DEFAULT_SCRATCH_SIZE = 127 * GiB;
/** What `wclayer create` makes (vmcompute's CreateSandboxLayer): 20 GiB. A scratch disk is never shrunk. */
export const BLANK_SCRATCH_SIZE = 20 * GiB;

/** A scratch size as given (`127GB`, `40GiB`, bytes), whole MiB (diskpart's unit), not below the blank size. */
export function parseScratchSize(text: string): number {
  const bytes = parseByteSize(text);
  const hint = 'give at least 20GB, such as 127GB; units are binary, 1GB = 1024 MB';
  if (bytes === undefined) throw usage(`'${text}' is not a size`, { code: 'SCRATCH_SIZE_INVALID', hint });
  if (bytes < BLANK_SCRATCH_SIZE) {
    throw usage(`${text} is smaller than the 20 GiB scratch disk wclayer creates, which cannot shrink`, { code: 'SCRATCH_SIZE_INVALID', hint });
  }
  // diskpart takes MiB: a size between two is rounded up, so the disk is never smaller than asked.
  return Math.ceil(bytes / 2 ** 20) * 2 ** 20;
}
