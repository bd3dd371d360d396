/** Scratch sizes as New-Container takes them, and the byte sizes under them (content/byte-size.ts). */
import assert from 'node:assert/strict';
import { parseByteSize } from '../../../src/content/byte-size.js';
import { CtrimgError } from '../../../src/errors.js';
import { BLANK_SCRATCH_SIZE, DEFAULT_SCRATCH_SIZE, parseScratchSize } from '../../../src/importers/scratch.js';

const GiB = 2 ** 30;

describe('importers/scratch', () => {
  it('reads sizes in binary units whatever the spelling, as PowerShell and go-units RAMInBytes do', () => {
    const cases: Array<[string, number]> = [
      ['0', 0],
      ['512', 512],
      ['512B', 512],
      ['1k', 1024],
      ['1KB', 1024],
      ['1KiB', 1024],
      ['512M', 512 * 2 ** 20],
      ['2Gi', 2 * GiB],
      ['127GB', 127 * GiB],
      [' 127 gb ', 127 * GiB],
      ['1.5G', 1.5 * GiB],
      ['1T', 1024 * GiB],
      ['1PB', 2 ** 50],
    ];
    for (const [text, bytes] of cases) assert.equal(parseByteSize(text), bytes, text);
    for (const text of ['', 'GB', '-1G', '1 2G', '1GG', '1iB', '1XB', '0x10', '1e9', '127 GB extra']) assert.equal(parseByteSize(text), undefined, text);
  });

  it('takes a scratch size of at least the blank size, rounded up to whole MiB; the default is moby\'s "127GB" read so', () => {
    assert.equal(parseScratchSize('127GB'), DEFAULT_SCRATCH_SIZE);
    assert.equal(parseScratchSize('20GB'), BLANK_SCRATCH_SIZE);
    assert.equal(parseScratchSize(String(BLANK_SCRATCH_SIZE + 1)), BLANK_SCRATCH_SIZE + 2 ** 20);
  });

  it('refuses, as a usage error, what is not a size or is below the blank size', () => {
    for (const [text, says] of [
      ['lots', "'lots' is not a size"],
      ['19.9G', '19.9G is smaller than the 20 GiB scratch disk wclayer creates'],
      ['0', '0 is smaller'],
    ]) {
      assert.throws(
        () => parseScratchSize(text!),
        (err: unknown) => err instanceof CtrimgError && err.code === 'SCRATCH_SIZE_INVALID' && err.exitCode === 2 && err.message.startsWith(says!) && /127GB/.test(err.hint ?? ''),
        text,
      );
    }
  });
});
