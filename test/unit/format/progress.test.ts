import assert from 'node:assert/strict';
import { terminalProgress } from '../../../src/cli/progress.js';
import { layerDone, renderLayerLine, renderProgress, shortLayerId } from '../../../src/format/progress.js';

const A = `sha256:a1b2c3d4e5f6${'0'.repeat(52)}`;
const B = `sha256:0123456789ab${'f'.repeat(52)}`;

describe('format/progress', () => {
  it('names a layer by the first 12 hex digits of its digest', () => {
    assert.equal(shortLayerId(A), 'a1b2c3d4e5f6');
  });

  it('renders a downloading layer with bytes, total and speed, as docker pull does', () => {
    assert.equal(
      renderLayerLine({ digest: A, state: 'Downloading', bytes: 12_300_000, total: 45_600_000, since: 1000 }, 1000 + 3618),
      'a1b2c3d4e5f6: Downloading  12.3MB/45.6MB  3.4MB/s',
    );
    assert.equal(renderLayerLine({ digest: A, state: 'Downloading', bytes: 0, total: 512, since: 5 }, 5), 'a1b2c3d4e5f6: Downloading  0B/512B');
  });

  it('renders the other states as the state alone, one line per layer in the order given', () => {
    assert.deepEqual(
      renderProgress(
        [
          { digest: A, state: 'Pull complete', bytes: 10, total: 10, since: 0 },
          { digest: B, state: 'Already exists', bytes: 0, total: 0 },
          { digest: A, state: 'Waiting', bytes: 0, total: 0 },
          { digest: A, state: 'Download complete', bytes: 10, total: 10 },
          { digest: A, state: 'Extracting', bytes: 10, total: 10 },
        ],
        100,
      ),
      [
        'a1b2c3d4e5f6: Pull complete',
        '0123456789ab: Already exists',
        'a1b2c3d4e5f6: Waiting',
        'a1b2c3d4e5f6: Download complete',
        'a1b2c3d4e5f6: Extracting',
      ],
    );
    assert.deepEqual(renderProgress([], 0), []);
  });

  it('counts Pull complete and Already exists as done', () => {
    assert.equal(layerDone('Pull complete'), true);
    assert.equal(layerDone('Already exists'), true);
    assert.equal(layerDone('Downloading'), false);
    assert.equal(layerDone('Extracting'), false);
  });
});

describe('cli terminalProgress', () => {
  it('redraws the block in place, throttles byte updates and lets a message through below finished layers', () => {
    let now = 0;
    const out: string[] = [];
    const p = terminalProgress((t) => out.push(t), () => now);
    p.layer(A as `sha256:${string}`, 'Waiting');
    p.layer(B as `sha256:${string}`, 'Already exists');
    p.layer(A as `sha256:${string}`, 'Downloading', 0, 2000);
    now = 50;
    p.layer(A as `sha256:${string}`, 'Downloading', 1000, 2000); // within 100ms: not drawn
    now = 1000;
    p.layer(A as `sha256:${string}`, 'Downloading', 1500, 2000);
    p.layer(A as `sha256:${string}`, 'Pull complete');
    p.settle();
    p.settle();
    assert.deepEqual(out, [
      '\x1b[2Ka1b2c3d4e5f6: Waiting\n',
      '\x1b[1A\x1b[2Ka1b2c3d4e5f6: Waiting\n\x1b[2K0123456789ab: Already exists\n',
      '\x1b[2A\x1b[2Ka1b2c3d4e5f6: Downloading  0B/2kB\n\x1b[2K0123456789ab: Already exists\n',
      '\x1b[2A\x1b[2Ka1b2c3d4e5f6: Downloading  1.5kB/2kB  1.5kB/s\n\x1b[2K0123456789ab: Already exists\n',
      '\x1b[2A\x1b[2Ka1b2c3d4e5f6: Pull complete\n\x1b[2K0123456789ab: Already exists\n',
      '\x1b[2A\x1b[2Ka1b2c3d4e5f6: Pull complete\n\x1b[2K0123456789ab: Already exists\n',
    ]);
  });

  it('keeps unfinished layers across a message, drawing them again below it', () => {
    const out: string[] = [];
    const p = terminalProgress((t) => out.push(t), () => 0);
    p.layer(A as `sha256:${string}`, 'Already exists');
    p.layer(B as `sha256:${string}`, 'Extracting');
    p.settle();
    out.length = 0;
    p.layer(B as `sha256:${string}`, 'Pull complete');
    assert.deepEqual(out, ['\x1b[2K0123456789ab: Pull complete\n']);
  });
});
