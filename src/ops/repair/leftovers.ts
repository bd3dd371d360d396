/** What processes that stopped mid-command left: the cheap recovery's findings (ops/leftovers.ts). */
import { findLeftovers, leftoverScope, removeLeftover } from '../leftovers.js';
import { deletable, type RepairCheck } from './check.js';

export const leftovers: RepairCheck = {
  name: 'leftovers of stopped processes',
  async find(ctx) {
    return (await findLeftovers(ctx.root)).map((l) => {
      const detail = l.kind === 'StaleLock' ? `lock of stopped process ${l.pid || '(none)'}` : `left by stopped process ${l.pid}`;
      return deletable({ kind: l.kind, path: l.path, digest: null, detail }, () => removeLeftover(leftoverScope(ctx), l));
    });
  },
};
