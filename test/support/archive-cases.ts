/**
 * Layer tars whose merged tree containerd decides: the cases of containerd's pkg/archive tests
 * (tar_test.go at containerd 1.6: TestBreakouts, TestApplyTar, TestDiffTar, TestRelativeSymlinks,
 * TestSymlinks), ctrimg's own hostile cases (test/unit/importers/dir-hostile.test.ts) and the
 * cases issue 12 names. test/fixtures/containerd-cases/regen runs each through a real containerd
 * and records what it unpacked in expected.json; test/unit/importers/containerd-cases.test.ts
 * holds ctrimg's dir importer to that.
 *
 * A case is a list of layers, base first; a layer is a list of entries, each a tar-stream header
 * (test/support/tars.ts) or raw entry bytes (header and padded data, no end blocks) where
 * tar-stream cannot write the entry. Every entry gets the fixed time T0 unless it names its own,
 * so the golden file does not depend on when it was made; an `fstest.Apply` base of containerd's
 * tests becomes a first layer holding the tree it creates.
 *
 * Where ctrimg gives another result than containerd on purpose, the case declares it, narrowly
 * and with its reason: a field of one entry (`diverges`) or the whole outcome (`outcome`).
 *
 * Climbing links aim at `sentinel/passwd` three levels up: ctrimg unpacks into
 * <root>/store/layers/<tmp>/, where <root>/sentinel is the directory the test watches.
 */
import { createHash } from 'node:crypto';
import { canonicalTime, type CanonicalEntry } from './canonical-tree.js';
import { dir, file, hardlink, makeTar, paxRecords, rawEntry, symlink, type TarEntry } from './tars.js';

export type LayerItem = TarEntry | Buffer;

/**
 * A deliberate difference from containerd's tree in one field of one entry: `ctrimg` holds
 * ctrimg's value (a field given as undefined is absent in ctrimg's tree); every other field of
 * the entry, and every other entry, must still be containerd's.
 */
export interface Divergence {
  path: string;
  ctrimg: Partial<Pick<CanonicalEntry, 'mtime' | 'hardlinkOf'>>;
  because: string;
}

/** ctrimg's own outcome where containerd's cannot be it: a refusal with this code, or this tree. */
export type OwnOutcome = { refused: 'INVALID_TAR' | 'UNSAFE_TAR'; because: string } | { tree: CanonicalEntry[]; because: string };

export interface ArchiveCase {
  /** Unique; the key of the case in expected.json. */
  name: string;
  /** Where the case comes from: a containerd/continuity test, ctrimg's hostile suite or issue 12. */
  from: string;
  layers: LayerItem[][];
  /**
   * The yardstick is containerd's native snapshotter (test/fixtures/containerd-cases/regen.ts);
   * where its result is a containerd bug, the overlayfs snapshotter's, and why.
   */
  overlayfsBecause?: string;
  /** Where ctrimg's tree deliberately differs from the yardstick's, entry by entry. */
  diverges?: Divergence[];
  /** Where ctrimg's whole outcome deliberately differs from the yardstick's. */
  outcome?: OwnOutcome;
}

/** A Date as an entry's canonical `mtime`. */
const timeOf = (d: Date) => canonicalTime(BigInt(d.getTime()) * 1_000_000n);
const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');

const IMPLICIT_DIR_TIME =
  "containerd gives a lower directory that an upper layer writes into without naming it the time of the apply, no property of the image; ctrimg keeps the lower directory's time, as umoci does (issue 12 item 1)";
/** A lower directory an upper layer writes into without naming it keeps the lower layer's time `t` in ctrimg. */
const lowerDirTime = (path: string, t: Date): Divergence => ({ path, ctrimg: { mtime: timeOf(t) }, because: IMPLICIT_DIR_TIME });

const LINK_HEADER =
  "ctrimg, as umoci, leaves a file's owner, mode and times to the file's own entry; containerd's createTarFile applies a hard link entry's to the inode it shares (writers fill both from one inode, so only a made-up tar tells them apart)";
const COPIED_UP =
  "a hard link to a lower layer's file is a copy in ctrimg (layers are stored apart and shared between images: a link across layers would let one image's metadata change reach another's); containerd's native snapshotter links the same inode";
/** Hard-link identity between `path` and a lower file, which ctrimg's copy does not share. */
const notLinked = (path: string): Divergence => ({ path, ctrimg: { hardlinkOf: undefined }, because: COPIED_UP });

/** A regular file as canonical-tree.ts lists it (0644, root's), for a tree an outcome declares. */
const fileEntry = (path: string, data: string, mtime: Date): CanonicalEntry => ({ path, type: 'file', mode: '0644', uid: 0, gid: 0, mtime: timeOf(mtime), sha256: sha256(data) });

export const T0 = new Date('2020-01-02T03:04:05Z');
const T1 = new Date('2019-03-04T05:06:07Z');
const T2 = new Date('2022-08-09T10:11:12Z');

/** One layer as tar bytes: each entry with T0 unless it has its own mtime, then two end blocks. */
export async function layerTar(items: LayerItem[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const item of items) {
    if (Buffer.isBuffer(item)) parts.push(item);
    else parts.push((await makeTar([{ mtime: T0, ...item }])).subarray(0, -1024));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** One entry as tar-stream writes it (header and padded data), its header changed by `patch`, the checksum made anew. */
async function patched(entry: TarEntry, patch: (header: Buffer) => void): Promise<Buffer> {
  const bytes = Buffer.from((await makeTar([{ mtime: T0, ...entry }])).subarray(0, -1024));
  patch(bytes);
  bytes.fill(' ', 148, 156);
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += bytes[i]!;
  bytes.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return bytes;
}

/** A file, symlink or hard link entry whose name (and link target) are the given bytes (at most 100 each). */
export function rawNamed(name: Buffer, entry: TarEntry, linkname?: Buffer): Promise<Buffer> {
  const placeholder = { ...entry, name: 'x'.repeat(name.length), ...(linkname ? { linkname: 'y'.repeat(linkname.length) } : {}) };
  return patched(placeholder, (bytes) => {
    bytes.fill(0, 0, 100);
    name.copy(bytes, 0);
    if (linkname) {
      bytes.fill(0, 157, 257);
      linkname.copy(bytes, 157);
    }
  });
}

/** An entry whose long name tar-stream splits into the ustar prefix, under GNU magic (`ustar  \0`), as Go 1.7 and older wrote. */
const gnuMagicWithPrefix = (entry: TarEntry) => patched(entry, (bytes) => bytes.write('ustar  \0', 257, 'latin1'));

/** A PAX extended header ('x') for the next entry. */
const paxHeader = (records: Record<string, string>) => rawEntry('x', 'PaxHeaders/next', paxRecords(records));

// containerd's tartest helpers take (target, name); ctrimg's take (name, target). These read like containerd's.
const tcSymlink = (target: string, name: string) => symlink(name, target);
const tcLink = (target: string, name: string) => hardlink(name, target);
const tcDir = (name: string, mode: number) => dir(name, { mode });
const tcFile = (name: string, data: string | Buffer, mode: number) => file(name, data as string, { mode });
const whiteout = (path: string) => {
  const slash = path.lastIndexOf('/');
  return file(`${path.slice(0, slash + 1)}.wh.${path.slice(slash + 1)}`);
};

/** tar_test.go's baseApplier as a layer: /etc/hosts with a hard link, a library with a symlink, /home/derek 0700. */
const baseApplier = (): LayerItem[] => [
  tcDir('etc', 0o755),
  tcFile('etc/hosts', '127.0.0.1 localhost', 0o644),
  tcLink('etc/hosts', 'etc/hosts.allow'),
  tcDir('usr', 0o755),
  tcDir('usr/local', 0o755),
  tcDir('usr/local/lib', 0o755),
  tcFile('usr/local/lib/libnothing.so', Buffer.from([0, 0]), 0o755),
  tcSymlink('libnothing.so', 'usr/local/lib/libnothing.so.2'),
  tcDir('home', 0o755),
  tcDir('home/derek', 0o700),
];

const passwdBase = (): LayerItem[] => [tcDir('etc', 0o755), tcFile('etc/passwd', 'inside', 0o644)];
const allUsersBase = (): LayerItem[] => [tcDir('etc', 0o755), tcFile('etc/passwd', 'all users', 0o644)];

const BREAKOUTS = 'containerd pkg/archive/tar_test.go TestBreakouts';
const DIFFTAR = 'containerd pkg/archive/tar_test.go TestDiffTar (the diff tar its validators list, over tree a)';
const HOSTILE = 'ctrimg test/unit/importers/dir-hostile.test.ts';
const ISSUE = 'ctrimg issue 12';

async function buildCases(): Promise<ArchiveCase[]> {
  const single = (name: string, from: string, layer: LayerItem[]): ArchiveCase => ({ name, from, layers: [layer] });
  const over = (name: string, from: string, base: LayerItem[], layer: LayerItem[]): ArchiveCase => ({ name, from, layers: [base, layer] });
  return [
    // --- TestBreakouts: a tar applied alone, or over the tree its `apply` builds ---
    single(`${BREAKOUTS} SymlinkAbsolute`, BREAKOUTS, [tcDir('etc', 0o755), tcSymlink('/etc', 'localetc'), tcFile('/localetc/unbroken', 'unbroken', 0o644)]),
    single(`${BREAKOUTS} SymlinkUpAndOut`, BREAKOUTS, [
      tcDir('etc', 0o755),
      tcDir('dummy', 0o755),
      tcSymlink('/dummy/../etc', 'localetc'),
      tcFile('/localetc/unbroken', 'unbroken', 0o644),
    ]),
    single(`${BREAKOUTS} SymlinkMultipleAbsolute`, BREAKOUTS, [
      tcDir('etc', 0o755),
      tcDir('dummy', 0o755),
      tcSymlink('/etc', '/dummy/etc'),
      tcSymlink('/dummy/etc', 'localetc'),
      tcFile('/dummy/etc/unbroken', 'unbroken', 0o644),
    ]),
    single(`${BREAKOUTS} SymlinkMultipleRelative`, BREAKOUTS, [
      tcDir('etc', 0o755),
      tcDir('dummy', 0o755),
      tcSymlink('/etc', '/dummy/etc'),
      tcSymlink('./dummy/etc', 'localetc'),
      tcFile('/dummy/etc/unbroken', 'unbroken', 0o644),
    ]),
    single(`${BREAKOUTS} SymlinkEmptyFile`, BREAKOUTS, [
      tcDir('etc', 0o755),
      tcFile('etc/emptied', 'notempty', 0o644),
      tcSymlink('/etc', 'localetc'),
      tcFile('/localetc/emptied', '', 0o644),
    ]),
    single(`${BREAKOUTS} HardlinkRelative`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcFile('/etc/passwd', 'inside', 0o644),
      tcDir('breakouts', 0o755),
      tcSymlink('../../etc', 'breakouts/d1'),
      tcLink('/breakouts/d1/passwd', 'breakouts/mypasswd'),
    ]),
    single(`${BREAKOUTS} HardlinkDownAndOut`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcFile('/etc/passwd', 'inside', 0o644),
      tcDir('breakouts', 0o755),
      tcDir('downandout', 0o755),
      tcSymlink('../downandout/../../etc', 'breakouts/d1'),
      tcLink('/breakouts/d1/passwd', 'breakouts/mypasswd'),
    ]),
    single(`${BREAKOUTS} HardlinkAbsolute`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcFile('/etc/passwd', 'inside', 0o644),
      tcSymlink('/etc', 'localetc'),
      tcLink('/localetc/passwd', 'localpasswd'),
    ]),
    single(`${BREAKOUTS} HardlinkRelativeLong`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcFile('/etc/passwd', 'inside', 0o644),
      tcSymlink('../../../../../../../etc', 'localetc'),
      tcLink('/localetc/passwd', 'localpasswd'),
    ]),
    single(`${BREAKOUTS} HardlinkRelativeUpAndOut`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcFile('/etc/passwd', 'inside', 0o644),
      tcSymlink('upandout/../../../etc', 'localetc'),
      tcLink('/localetc/passwd', 'localpasswd'),
    ]),
    single(`${BREAKOUTS} HardlinkDirectRelative`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcFile('/etc/passwd', 'inside', 0o644),
      tcLink('../../../../../etc/passwd', 'localpasswd'),
    ]),
    single(`${BREAKOUTS} HardlinkDirectAbsolute`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcFile('/etc/passwd', 'inside', 0o644),
      tcLink('/etc/passwd', 'localpasswd'),
    ]),
    single(`${BREAKOUTS} SymlinkParentDirectory`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcFile('/etc/passwd', 'inside', 0o644),
      tcSymlink('/etc/', '..'),
      tcLink('/etc/passwd', 'localpasswd'),
    ]),
    single(`${BREAKOUTS} SymlinkEmptyFilename`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcFile('/etc/passwd', 'inside', 0o644),
      tcSymlink('/etc/', ''),
      tcLink('/etc/passwd', 'localpasswd'),
    ]),
    single(`${BREAKOUTS} SymlinkParentRelative`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcFile('/etc/passwd', 'inside', 0o644),
      tcSymlink('/etc/', 'localetc/sub/..'),
      tcLink('/etc/passwd', '/localetc/localpasswd'),
    ]),
    single(`${BREAKOUTS} SymlinkSlashEnded`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcFile('/etc/passwd', 'inside', 0o644),
      tcDir('localetc/', 0o770),
      tcLink('/etc/passwd', '/localetc/localpasswd'),
    ]),
    {
      ...over(`${BREAKOUTS} SymlinkOverrideDirectory`, BREAKOUTS, [...passwdBase(), tcDir('localetc', 0o755)], [
        tcSymlink('/etc', 'localetc'),
        tcLink('/etc/passwd', '/localetc/localpasswd'),
      ]),
      diverges: [lowerDirTime('etc', T0), notLinked('etc/passwd')],
    },
    {
      ...over(`${BREAKOUTS} SymlinkOverrideDirectoryRelative`, BREAKOUTS, [...passwdBase(), tcDir('localetc', 0o755)], [
        tcSymlink('../../etc', 'localetc'),
        tcLink('/etc/passwd', '/localetc/localpasswd'),
      ]),
      diverges: [lowerDirTime('etc', T0), notLinked('etc/passwd')],
    },
    {
      ...over(`${BREAKOUTS} DirectoryOverrideSymlink`, BREAKOUTS, [...passwdBase(), tcSymlink('/etc', 'localetc')], [
        tcDir('/localetc/', 0o755),
        tcLink('/etc/passwd', '/localetc/localpasswd'),
      ]),
      diverges: [
        {
          path: 'etc',
          ctrimg: { mtime: timeOf(T0) },
          because:
            "the upper layer leaves etc alone; containerd's native snapshotter copies the lower snapshot setting each directory's time before its children are copied in (regen.ts), and overlayfs, whose time regen takes instead, fails this case",
        },
        notLinked('localetc/localpasswd'),
      ],
    },
    // fstest.Link("/etc/passwd", "/localetc/localpasswd") through localetc -> etc makes etc/localpasswd.
    over(`${BREAKOUTS} DirectoryOverrideSymlinkAndHardlink`, BREAKOUTS, [...passwdBase(), tcSymlink('etc', 'localetc'), tcLink('etc/passwd', 'etc/localpasswd')], [
      tcDir('/localetc/', 0o755),
      tcFile('/localetc/localpasswd', 'different', 0o644),
    ]),
    over(`${BREAKOUTS} WhiteoutRootParent`, BREAKOUTS, passwdBase(), [tcFile('.wh...', '', 0o644)]),
    over(`${BREAKOUTS} WhiteoutParent`, BREAKOUTS, passwdBase(), [tcFile('etc/.wh...', '', 0o644)]),
    over(`${BREAKOUTS} WhiteoutRoot`, BREAKOUTS, passwdBase(), [tcFile('.wh..', '', 0o644)]),
    over(`${BREAKOUTS} WhiteoutCurrentDirectory`, BREAKOUTS, passwdBase(), [tcFile('etc/.wh..', '', 0o644)]),
    over(`${BREAKOUTS} WhiteoutSymlink`, BREAKOUTS, [...allUsersBase(), tcSymlink('/etc', 'localetc')], [tcFile('.wh.localetc', '', 0o644)]),
    over(`${BREAKOUTS} WhiteoutSymlinkPath`, BREAKOUTS, [...allUsersBase(), tcFile('etc/whitedout', 'ahhhh whiteout', 0o644), tcSymlink('/etc', 'localetc')], [
      tcFile('localetc/.wh.whitedout', '', 0o644),
    ]),
    {
      ...over(`${BREAKOUTS} WhiteoutDirectoryName`, BREAKOUTS, [...allUsersBase(), tcFile('etc/whitedout', 'ahhhh whiteout', 0o644), tcSymlink('/etc', 'localetc')], [
        tcFile('.wh.etc/somefile', 'non-empty', 0o644),
      ]),
      outcome: {
        refused: 'INVALID_TAR',
        because:
          "ctrimg keeps each layer as a diff in which a `.wh.` name is a whiteout marker, so a directory `.wh.etc` would hide etc when the layers are merged; containerd, applying onto the merged root, makes the directory",
      },
    },
    over(`${BREAKOUTS} WhiteoutDeadSymlinkParent`, BREAKOUTS, [...allUsersBase(), tcSymlink('/dne', 'localetc')], [tcFile('localetc/.wh.etc', '', 0o644)]),
    over(`${BREAKOUTS} WhiteoutRelativePath`, BREAKOUTS, [...allUsersBase(), tcSymlink('/dne', 'localetc')], [tcFile('dne/../.wh.etc', '', 0o644)]),
    // containerd names the file after its temp dir; a fixed name here.
    single(`${BREAKOUTS} SymlinkOverridePath`, BREAKOUTS, [
      tcDir('foo', 0o755),
      tcDir('foo/tmp', 0o755),
      tcFile('foo/tmp/breakout-case', Buffer.from([0, 1, 2]), 0o644),
      tcSymlink('/', 'foo'),
      tcFile('foo/tmp/breakout-case', Buffer.from([3, 4, 5]), 0o644),
      tcDir('foo', 0o755),
      tcDir('foo/tmp', 0o755),
      tcFile('foo/tmp/breakout-case', Buffer.from([6, 7, 8]), 0o644),
    ]),
    single(`${BREAKOUTS} HardlinkSymlinkBeforeCreateTarget`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcSymlink('/etc/passwd', 'localpasswd'),
      tcLink('localpasswd', 'localpasswd-dup'),
      tcFile('/etc/passwd', 'after', 0o644),
    ]),
    single(`${BREAKOUTS} HardlinkSymlinkRelative`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcFile('/etc/passwd', 'inside', 0o644),
      tcSymlink('../../../../../etc/passwd', 'passwdlink'),
      tcLink('/passwdlink', 'localpasswd'),
    ]),
    single(`${BREAKOUTS} HardlinkSymlinkAbsolute`, BREAKOUTS, [
      tcDir('etc', 0o770),
      tcFile('/etc/passwd', 'inside', 0o644),
      tcSymlink('/etc/passwd', 'passwdlink'),
      tcLink('/passwdlink', 'localpasswd'),
    ]),
    // containerd's files outside the root are its temp dir's; here the sentinel three levels up.
    single(`${BREAKOUTS} HardlinkSymlinkChmod`, BREAKOUTS, [
      tcSymlink('../../../sentinel/passwd', '../../../sentinel/also-exists-outside-root'),
      tcLink('../../../sentinel/also-exists-outside-root', 'sketchylink'),
    ]),

    // --- TestApplyTar ---
    {
      ...over('containerd pkg/archive/tar_test.go TestApplyTar DirectoryCreation', 'containerd pkg/archive/tar_test.go TestApplyTar', [tcDir('etc', 0o755)], [
        tcDir('/etc/subdir', 0o755),
        tcDir('/etc/subdir2/', 0o755),
        tcDir('/etc/subdir2/more', 0o755),
        tcDir('/other/noparent-1/1', 0o755),
        tcDir('/other/noparent-2/2/', 0o755),
      ]),
      diverges: [lowerDirTime('etc', T0)],
    },

    // --- TestDiffTar: tree a as a layer, then the diff containerd writes for b ---
    over(`${DIFFTAR} ParentInclusion`, DIFFTAR, [tcDir('d1', 0o755), tcDir('d2', 0o770)], [
      tcDir('d1/', 0o755),
      tcDir('d1/d/', 0o700),
      tcDir('d2/', 0o770),
      tcFile('d2/f', 'ok', 0o644),
    ]),
    over(
      `${DIFFTAR} HardlinkParentInclusion`,
      DIFFTAR,
      [
        tcDir('d1', 0o755),
        tcFile('d1/f1', 'link me', 0o644),
        tcDir('d2', 0o755),
        tcFile('d2/f1', 'link me', 0o644),
        tcDir('d3', 0o755),
        tcDir('d4', 0o755),
        tcFile('d4/f1', 'link me', 0o644),
        tcDir('d5', 0o755),
        tcFile('d5/f1', 'link me', 0o644),
        tcDir('d6', 0o755),
        tcLink('d1/f1', 'd6/l1'),
        tcLink('d5/f1', 'd6/l2'),
      ],
      [
        tcDir('d2/', 0o755),
        tcFile('d2/l1', 'link me', 0o644),
        tcDir('d1/', 0o755),
        tcLink('d2/l1', 'd1/f1'),
        tcDir('d3/', 0o755),
        tcFile('d3/l1', 'link me', 0o644),
        tcDir('d4/', 0o755),
        tcLink('d3/l1', 'd4/f1'),
        tcDir('d6/', 0o755),
        whiteout('d6/l1'),
        whiteout('d6/l2'),
      ],
    ),
    over(`${DIFFTAR} UpdateDirectoryPermission`, DIFFTAR, [tcDir('d1', 0o755), tcDir('d2', 0o770)], [
      tcDir('d1/', 0o777),
      tcDir('d1/d/', 0o700),
      tcDir('d2/', 0o770),
      tcFile('d2/f', 'ok', 0o644),
    ]),
    over(
      `${DIFFTAR} HardlinkUpdatedParent`,
      DIFFTAR,
      [
        tcDir('d1', 0o755),
        tcFile('d1/f1', 'link me', 0o644),
        tcDir('d2', 0o755),
        tcFile('d2/f1', 'link me', 0o644),
        tcDir('d3', 0o755),
        tcFile('d3/f1', 'link me', 0o644),
        tcDir('d4', 0o755),
      ],
      [
        tcDir('d1/', 0o777),
        tcDir('d2/', 0o755),
        tcFile('d2/l1', 'link me', 0o644),
        tcLink('d2/l1', 'd1/f1'),
        tcDir('d4/', 0o777),
        tcFile('d4/l1', 'link me', 0o644),
        tcDir('d3/', 0o755),
        tcLink('d4/l1', 'd3/f1'),
      ],
    ),
    over(
      `${DIFFTAR} WhiteoutIncludesParents`,
      DIFFTAR,
      [
        tcDir('d1', 0o755),
        tcFile('d1/f1', 'content', 0o644),
        tcDir('d2', 0o755),
        tcFile('d2/f1', 'content', 0o644),
        tcFile('d2/f2', 'content', 0o644),
        tcDir('d3', 0o755),
        tcFile('d3/f1', 'content', 0o644),
        tcDir('d4', 0o755),
        tcFile('d4/f1', 'content', 0o644),
        tcDir('d5', 0o755),
        tcFile('d5/f1', 'content', 0o644),
      ],
      [
        tcDir('d1/', 0o755),
        whiteout('d1/f1'),
        tcDir('d2/', 0o755),
        whiteout('d2/f1'),
        tcFile('d2/f2', 'content', 0o777),
        tcDir('d3/', 0o755),
        whiteout('d3/f1'),
        tcFile('d3/f2', 'content', 0o644),
        tcDir('d4/', 0o755),
        tcFile('d4/f0', 'content', 0o644),
        whiteout('d4/f1'),
        whiteout('d5'),
      ],
    ),
    over(`${DIFFTAR} WhiteoutParentRemoval`, DIFFTAR, [tcDir('d1', 0o755), tcDir('d2', 0o755), tcFile('d2/f1', 'content', 0o644)], [
      whiteout('d1'),
      whiteout('d2'),
      tcDir('d3/', 0o755),
    ]),

    // --- TestRelativeSymlinks: links that climb or are absolute, kept as they are ---
    ...[
      [tcSymlink('../other', 'home/derek/other'), tcSymlink('../../etc', 'home/derek/etc'), tcSymlink('up/../../other', 'home/derek/updown')],
      [tcSymlink('../../../breakout', 'home/derek/breakout')],
      [tcSymlink('../../breakout', 'breakout')],
      [tcSymlink('etc/../../upandout', 'breakout')],
      [tcSymlink('derek/../../../downandout', 'home/breakout')],
      [tcSymlink('/etc', 'localetc')],
    ].map((links, i) => single(`containerd pkg/archive/tar_test.go TestRelativeSymlinks #${i + 1}`, 'containerd pkg/archive/tar_test.go TestRelativeSymlinks', [...baseApplier(), ...links])),

    // --- TestSymlinks: the first tree, then the diff to the second (a replaced entry needs no whiteout) ---
    ...[
      [
        [tcDir('bin', 0o755), tcFile('bin/superbinary', Buffer.from([0, 0]), 0o755), tcSymlink('../bin/superbinary', 'bin/other1')],
        [tcDir('bin', 0o755), tcSymlink('/bin/superbinary', 'bin/other1'), tcSymlink('../bin/superbinary', 'bin/other2'), tcSymlink('superbinary', 'bin/other3')],
      ],
      [
        [
          tcDir('bin', 0o755),
          tcDir('sbin', 0o755),
          tcFile('sbin/superbinary', Buffer.from([0, 0]), 0o755),
          tcSymlink('/sbin/superbinary', 'bin/superbinary'),
          tcSymlink('../bin/superbinary', 'bin/other1'),
        ],
        [tcDir('bin', 0o755), tcSymlink('/bin/superbinary', 'bin/other1'), tcSymlink('superbinary', 'bin/other2')],
      ],
      [
        [
          tcDir('bin', 0o755),
          tcDir('sbin', 0o755),
          tcFile('sbin/superbinary', Buffer.from([0, 0]), 0o755),
          tcSymlink('../sbin/superbinary', 'bin/superbinary'),
          tcSymlink('../bin/superbinary', 'bin/other1'),
        ],
        [tcDir('bin', 0o755), tcSymlink('/bin/superbinary', 'bin/other1')],
      ],
      [
        [
          tcDir('bin', 0o755),
          tcFile('bin/actualbinary', Buffer.from([0, 0]), 0o755),
          tcSymlink('actualbinary', 'bin/superbinary'),
          tcSymlink('../bin/superbinary', 'bin/other1'),
          tcSymlink('superbinary', 'bin/other2'),
        ],
        [tcDir('bin', 0o755), tcSymlink('/bin/superbinary', 'bin/other1'), tcSymlink('superbinary', 'bin/other2')],
      ],
      [
        [tcDir('bin', 0o755), tcFile('bin/actualbinary', Buffer.from([0, 0]), 0o755), tcSymlink('actualbinary', 'bin/myapp')],
        [tcDir('bin', 0o755), tcDir('bin/myapp', 0o755)],
      ],
    ].map(([a, b], i) => over(`containerd pkg/archive/tar_test.go TestSymlinks #${i + 1}`, 'containerd pkg/archive/tar_test.go TestSymlinks', a!, b!)),

    // --- ctrimg's hostile cases (absolute links to the sentinel become links climbing to it) ---
    single(`${HOSTILE} a file through a relative symlink climbing out`, HOSTILE, [symlink('etc', '../../../sentinel'), file('etc/passwd', 'pwned')]),
    single(`${HOSTILE} a file through a directory replaced by a symlink`, HOSTILE, [dir('etc'), file('etc/a', 'a'), symlink('etc', '../../../sentinel'), file('etc/passwd', 'pwned')]),
    single(`${HOSTILE} a directory through a directory replaced by a symlink`, HOSTILE, [dir('etc'), symlink('etc', '../../../sentinel'), dir('etc/sub')]),
    single(`${HOSTILE} a hard link placed through a directory replaced by a symlink`, HOSTILE, [
      file('f', 'x'),
      dir('etc'),
      symlink('etc', '../../../sentinel'),
      hardlink('etc/passwd', 'f'),
    ]),
    single(`${HOSTILE} a hard link to a file outside, through a symlink`, HOSTILE, [symlink('etc', '../../../sentinel'), hardlink('stolen', 'etc/passwd')]),
    single(`${HOSTILE} a whiteout through a symlink`, HOSTILE, [symlink('etc', '../../../sentinel'), file('etc/.wh.passwd')]),
    single(`${HOSTILE} an opaque marker through a symlink`, HOSTILE, [symlink('etc', '../../../sentinel'), file('etc/.wh..wh..opq')]),
    single(`${HOSTILE} a whiteout with an empty name (.wh.)`, HOSTILE, [file('.wh.')]),
    single(`${HOSTILE} an entry under a symlink loop`, HOSTILE, [symlink('a', 'b'), symlink('b', 'a'), file('a/x', 'x')]),
    single(`${HOSTILE} a directory under a self-referencing symlink`, HOSTILE, [symlink('s', 's'), dir('s/d')]),
    single(`${HOSTILE} a hard link to a target under a symlink loop`, HOSTILE, [symlink('a', 'b'), symlink('b', 'a'), hardlink('h', 'a/x')]),
    single(`${HOSTILE} an entry type it does not know`, HOSTILE, [await rawEntry('Z', 'odd', 'data'), file('ok', 'ok')]),
    single(`${HOSTILE} symlink loops kept as symlinks`, HOSTILE, [symlink('a', 'b'), symlink('b', 'a'), symlink('self', 'self'), file('ok', 'ok')]),
    over(`${HOSTILE} a whiteout of a lower symlink removes the link`, HOSTILE, [symlink('localetc', '../../../sentinel'), file('keep', 'k')], [file('.wh.localetc')]),
    over(`${HOSTILE} a whiteout under a lower symlink replaced by a directory`, HOSTILE, [symlink('localetc', '../../../sentinel')], [dir('localetc'), file('localetc/.wh.passwd')]),
    {
      ...over(
        `${HOSTILE} an opaque marker after its siblings`,
        HOSTILE,
        [file('old/a', 'a'), file('old/sub/b', 'b'), file('other', 'o')],
        [dir('old'), file('old/c', 'c'), file('old/sub/x', 'x'), file('old/.wh..wh..opq')],
      ),
      overlayfsBecause:
        "containerd bug: pkg/archive/tar.go (applyNaive) records only entries the tar names in unpackedPaths, so the opaque marker's walk removes old/sub, made implicitly for old/sub/x of the same layer, and x with it; overlayfs's applier keeps them",
    },
    single(`${HOSTILE} a directory replaced by a file`, HOSTILE, [dir('a', { mode: 0o700, mtime: T1 }), file('a/x', 'x'), file('a', 'file', { mode: 0o640, mtime: T2 })]),
    single(`${HOSTILE} a symlink replaced by a directory`, HOSTILE, [symlink('s', '../../../sentinel'), dir('s'), file('s/x', 'inside')]),
    single(`${HOSTILE} a directory repeated`, HOSTILE, [dir('d', { mode: 0o700, mtime: T1 }), file('d/x', 'x'), dir('d', { mode: 0o750, mtime: T2 })]),
    single(`${HOSTILE} a file written over a hard link`, HOSTILE, [file('f', 'original'), hardlink('h', 'f'), file('h', 'replacement')]),
    single(`${HOSTILE} a hard link to a missing target`, HOSTILE, [dir('d'), hardlink('d/h', 'd/missing')]),
    single(`${HOSTILE} devices and fifos`, HOSTILE, [
      { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
      { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o660 },
      { name: 'run/pipe', type: 'fifo', mode: 0o644 },
      file('ok', 'ok'),
    ]),
    single(`${HOSTILE} PAX long names and long link names`, HOSTILE, [
      file(`usr/${'d'.repeat(120)}/${'e'.repeat(120)}/${'f'.repeat(200)}.txt`, 'long'),
      symlink(`usr/${'d'.repeat(120)}/${'e'.repeat(120)}/link-${'l'.repeat(150)}`, `/${'t'.repeat(300)}`),
      hardlink(`usr/${'d'.repeat(120)}/${'e'.repeat(120)}/hard-${'h'.repeat(150)}`, `usr/${'d'.repeat(120)}/${'e'.repeat(120)}/${'f'.repeat(200)}.txt`),
    ]),
    single(`${HOSTILE} a PAX global header`, HOSTILE, [await rawEntry('g', 'pax_global_header', paxRecords({ comment: 'a1b2c3d4e5f6' })), file('a', 'a'), dir('d')]),
    single(`${HOSTILE} GNU long names and long link names`, HOSTILE, [
      await rawEntry('L', '././@LongLink', `gnu/${'n'.repeat(150)}\0`),
      await rawEntry('K', '././@LongLink', `/${'t'.repeat(150)}\0`),
      symlink('short-name', 'short-target'),
    ]),
    {
      ...single(`${HOSTILE} directory times applied last`, HOSTILE, [
        dir('./', { mtime: T1, mode: 0o755 }),
        dir('d', { mtime: T1, mode: 0o555 }),
        dir('d/e', { mtime: T2 }),
        file('x', 'x', { mtime: T2 }),
        file('d/f', 'f', { mtime: T2 }),
        hardlink('d/e/h', 'x'),
        { name: 'd/e/s', type: 'symlink', linkname: 'h', mtime: T1 },
        file('d/.wh.gone'),
        dir('d/new', { mtime: T2 }),
        file('d/new/y', 'y'),
      ]),
      // x and d/e/h are one inode: its time is x's entry's (T2), not the link entry's (T0).
      diverges: ['d/e/h', 'x'].map((path) => ({ path, ctrimg: { mtime: timeOf(T2) }, because: LINK_HEADER })),
    },

    // --- issue 12 ---
    ...(
      [
        ['0750 1000:1000', { mode: 0o750, uid: 1000, gid: 1000 }],
        ['setgid 2775', { mode: 0o2775, uid: 0, gid: 50 }],
        ['sticky 1777', { mode: 0o1777 }],
      ] as const
    ).map(([what, attrs]) => ({
      ...over(`${ISSUE} item 1: an implicit directory over a lower ${what} directory`, `${ISSUE} item 1`, [dir('d', { ...attrs, mtime: T1 }), file('d/a', 'a')], [file('d/b', 'b', { mtime: T2 })]),
      diverges: [lowerDirTime('d', T1)],
    })),
    {
      ...over(
        `${ISSUE} item 1: implicit directories two deep over lower ones`,
        `${ISSUE} item 1`,
        [dir('var', { mode: 0o755, mtime: T1 }), dir('var/mail', { mode: 0o2775, gid: 8, mtime: T1 }), dir('var/mail/box', { mode: 0o700, uid: 1000, gid: 1000, mtime: T1 })],
        [file('var/mail/box/new', 'mail', { uid: 1000, gid: 1000 })],
      ),
      diverges: ['var', 'var/mail', 'var/mail/box'].map((path) => lowerDirTime(path, T1)),
    },
    over(
      `${ISSUE} item 8: lib -> usr/lib below, lib/x above`,
      `${ISSUE} item 8`,
      [dir('usr'), dir('usr/lib'), file('usr/lib/libc.so', 'libc'), symlink('lib', 'usr/lib')],
      [file('lib/x', 'x')],
    ),
    over(
      `${ISSUE} item 8: lib -> /usr/lib (absolute) below, lib/x above`,
      `${ISSUE} item 8`,
      [dir('usr'), dir('usr/lib'), file('usr/lib/libc.so', 'libc'), symlink('lib', '/usr/lib')],
      [file('lib/x', 'x')],
    ),
    {
      // The whiteouts go through d -> x and remove x/child: x is written into without being named.
      ...over(
        `${ISSUE} item 2: a symlink replacing a non-empty directory, whiteouts under it (umoci)`,
        `${ISSUE} item 2`,
        [dir('d'), file('d/child', 'c'), file('d/keep', 'k'), dir('x'), file('x/child', 'x child'), file('x/other', 'o')],
        [symlink('d', 'x'), file('d/.wh.child'), file('d/.wh.keep')],
      ),
      diverges: [lowerDirTime('x', T0)],
    },
    {
      ...over(
        `${ISSUE} item 2: a file replacing a non-empty directory, whiteouts under it (umoci)`,
        `${ISSUE} item 2`,
        [dir('d'), file('d/child', 'c'), file('d/keep', 'k')],
        [file('d', 'now a file'), file('d/.wh.child'), file('d/.wh.keep')],
      ),
      outcome: {
        tree: [fileEntry('d', 'now a file', T0)],
        because:
          "umoci writes such layers and unpacks them so; containerd fails them (mkparent: not a directory), while nothing can be under a file for these whiteouts to remove (issue 12 item 2)",
      },
    },
    single(`${ISSUE} item 8: absolute names and .. inside the root`, `${ISSUE} item 8`, [
      dir('/abs'),
      file('/abs/f', 'abs'),
      file('abs/../dotdot', 'dd'),
      file('../../../up-and-back', 'clamped'),
    ]),
    {
      ...single(`${ISSUE} item 3: PAX uid, gid, names and mtime`, `${ISSUE} item 3`, [
        await paxHeader({ uid: '3000000', gid: '3000001', uname: 'nobody-at-all', gname: 'nogroup-at-all', mtime: '1234567890.5' }),
        file('owned', 'o'),
        await paxHeader({ mtime: '-1' }),
        file('before-epoch', 'b'),
        await paxHeader({ mtime: '4102444800' }),
        file('after-2038', 'a'),
      ]),
      diverges: [
        {
          path: 'before-epoch',
          ctrimg: { mtime: timeOf(new Date(-1000)) },
          because: 'containerd clamps a time before 1970 to the epoch (boundTime); ctrimg keeps it, as umoci and GNU tar do (issue 12 item 3)',
        },
      ],
    },
    single(`${ISSUE} item 9: a ustar prefix under GNU magic`, `${ISSUE} item 9`, [await gnuMagicWithPrefix(file(`${'p'.repeat(60)}/${'q'.repeat(60)}/file`, 'prefixed'))]),
    single(`${ISSUE} item 4: names that are not UTF-8 stay apart`, `${ISSUE} item 4`, [
      await rawNamed(Buffer.from([0x63, 0x61, 0x66, 0xe9]), file('x', 'latin1 e-acute')),
      await rawNamed(Buffer.from([0x63, 0x61, 0x66, 0xe8]), file('x', 'latin1 e-grave')),
      await rawNamed(Buffer.from('link'), symlink('x', 'y'), Buffer.from([0x63, 0x61, 0x66, 0xe9])),
    ]),
  ];
}

let built: Promise<ArchiveCase[]> | undefined;

/** The cases, built once. */
export function archiveCases(): Promise<ArchiveCase[]> {
  built ??= buildCases();
  return built;
}
