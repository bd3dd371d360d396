/** What both importers check before making a layer or container at a path. */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { failed } from '../errors.js';
import { lstatOrUndefined } from '../layers/paths.js';

/** Refuses an existing destination (as wclayer does) and makes its parent directory. */
export async function mustNotExist(path: string, what: string): Promise<void> {
  if (await lstatOrUndefined(path)) throw failed(`cannot ${what}: ${path} already exists`, { code: 'EXISTS' });
  await mkdir(dirname(path), { recursive: true });
}
