/**
 * The importer a command works with: the store's importer, refusing any layer or container
 * path outside the resolved store root (content/root.ts) before it makes or removes anything
 * there. What an importer deletes on its own (its temp directory beside a destination, what a
 * failed wclayer run left) lies beside a path checked here.
 */
import { assertInside } from '../content/root.js';
import type { LayerImporter } from './types.js';

export function confined(importer: LayerImporter, root: string): LayerImporter {
  const inside = (path: string) => assertInside(root, path);
  return {
    kind: importer.kind,
    importsInPlace: importer.importsInPlace,
    ensureReady: () => importer.ensureReady(),
    importLayer: async (tar, layerPath, opts) => {
      await inside(layerPath);
      return importer.importLayer(tar, layerPath, opts);
    },
    removeLayer: async (layerPath) => {
      await inside(layerPath);
      return importer.removeLayer(layerPath);
    },
    createContainer: async (containerPath, layerPaths, opts) => {
      await inside(containerPath);
      return importer.createContainer(containerPath, layerPaths, opts);
    },
    removeContainer: async (containerPath) => {
      await inside(containerPath);
      return importer.removeContainer(containerPath);
    },
    exportContainer: async (containerPath, layerPaths) => {
      await inside(containerPath);
      return importer.exportContainer(containerPath, layerPaths);
    },
  };
}
