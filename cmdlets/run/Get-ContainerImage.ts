/** What Get-ContainerImage runs; cmdlets/Get-ContainerImage.ts, its spec, loads this when it runs. */
import type { CmdletRun } from '../../src/cli/types.js';
import { usage } from '../../src/errors.js';
import { renderGraph } from '../../src/format/graph.js';
import { needsWholeRecords, renderImages, renderImageSummaries } from '../../src/format/images.js';
import { parseVersion } from '../../src/image/version.js';
import { getImages, getImageSummaries, type ImageQuery } from '../../src/ops/images.js';
import { imageForest } from '../../src/ops/lineage.js';
import { withStore } from '../context.js';
import { ANCESTOR_OF, CHILD_OF, GRAPH } from '../Get-ContainerImage.js';
import { bind } from '../args.js';

export const run: CmdletRun = (args, io, set) => {
  if (set !== GRAPH && io.outputFormat === 'Dot') throw usage('-OutputFormat Dot draws the graph: give -Graph');
  const version = bind(args, 'Version', parseVersion);
  return withStore(io, (ctx) => {
    if (set === GRAPH) return io.out(renderGraph(imageForest(ctx), io.outputFormat));
    const query: ImageQuery = {
      names: args.Name as string[] | undefined,
      publisher: args.Publisher as string | undefined,
      version,
      related:
        set === CHILD_OF
          ? { relation: args.Recurse ? 'descendants' : 'children', of: args.ChildOf as string }
          : set === ANCESTOR_OF
            ? { relation: 'ancestors', of: args.AncestorOf as string }
            : undefined,
    };
    const properties = args.Property as string[] | undefined;
    io.out(
      needsWholeRecords(io.outputFormat, properties)
        ? renderImages(getImages(ctx, query), io.outputFormat, properties)
        : renderImageSummaries(getImageSummaries(ctx, query), properties),
    );
  });
};
