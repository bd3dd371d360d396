/**
 * Fifos and device nodes, which Node cannot make (it has no mknod): made by coreutils' mkfifo
 * and mknod, one process each. Layers hold few of them (a base image's /dev is usually empty),
 * so a process per entry costs little. Device nodes need CAP_MKNOD: as containerd does in a
 * user namespace, without root they are skipped, with one warning per layer.
 */
import { failed } from '../errors.js';
import { fsPath, shown, type BytePath } from './byte-paths.js';
import { runTool } from './tools.js';

export type SpecialType = 'fifo' | 'character-device' | 'block-device';

/** Makes the special files of one layer (or one merge), remembering the devices skipped. */
export class SpecialFiles {
  private readonly skipped: BytePath[] = [];

  /** `isRoot`: whether device nodes can be made; a seam for tests, else this process's uid. */
  constructor(private readonly isRoot = process.getuid?.() === 0) {}

  /**
   * Makes `type` at `path` (nothing there yet) with `mode`'s permission bits, or skips a device
   * when not root. Returns whether something was made; owner, the whole mode (the tools refuse
   * setuid, setgid and sticky bits) and times are the caller's to set then, as for any entry.
   */
  async make(path: BytePath, type: SpecialType, mode: number, devmajor = 0, devminor = 0): Promise<boolean> {
    const perm = `0${(mode & 0o777).toString(8)}`;
    let args: (string | Buffer)[];
    if (type === 'fifo') args = ['-m', perm, '--', fsPath(path)];
    else if (this.isRoot) args = ['-m', perm, '--', fsPath(path), type === 'block-device' ? 'b' : 'c', String(devmajor), String(devminor)];
    else {
      this.skipped.push(path);
      return false;
    }
    const tool = type === 'fifo' ? 'mkfifo' : 'mknod';
    const { code, stderr } = await runTool(tool, args);
    if (code !== 0) throw failed(`could not make ${type.replace('-', ' ')} ${shown(path)}: ${shown(stderr.toString('latin1').trim())}`);
    return true;
  }

  /** Reports the devices skipped, in one line. */
  finish(warn?: (message: string) => void): void {
    const n = this.skipped.length;
    if (n === 0) return;
    warn?.(
      `skipped ${n} device ${n === 1 ? 'node' : 'nodes'}, first ${shown(this.skipped[0]!)}: only root can make them (as containerd does in a user namespace); the rest is imported`,
    );
    this.skipped.length = 0;
  }
}
