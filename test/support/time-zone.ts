/**
 * Tests that set TZ (Node reads it again whenever it is set) give it back as they found it:
 * mocha hooks around the enclosing describe (`all`) or each of its tests (`each`), and the
 * zone to run in, if one.
 */
export function keepTimeZone(opts: { around?: 'all' | 'each'; zone?: string } = {}): void {
  let saved: string | undefined;
  const [setUp, tearDown] = opts.around === 'each' ? [beforeEach, afterEach] : [before, after];
  setUp(() => {
    saved = process.env.TZ;
    if (opts.zone !== undefined) process.env.TZ = opts.zone;
  });
  tearDown(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });
}
