/** Test support: an ExportSource's dataset written into a MemoryEpisodeStore (as an import would). */
import type { MediaBatch, RowBatch } from "../../core/dataset.ts";
import { MemoryEpisodeStore } from "../../storage/index.ts";
import type { ExportSource } from "../source.ts";
import { StoreImportTarget } from "../storageAdapters.ts";

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/**
 * A store holding `source`'s dataset and episodes, each finished as "complete"; their ids are the
 * source's with `prefix` in front (several copies fit in one store).
 */
export async function storeWith(
  source: ExportSource,
  store = new MemoryEpisodeStore(),
  prefix = "",
): Promise<{ store: MemoryEpisodeStore; datasetId: string }> {
  const target = new StoreImportTarget(store);
  await target.begin({ ...source.dataset, id: `${prefix}${source.dataset.id}` });
  for (const e of source.episodes) {
    const rows: RowBatch[] = await collect(source.rows(e.id));
    const media: MediaBatch[] = [];
    for (const c of source.dataset.cameras) media.push(...(await collect(source.media(e.id, c.key))));
    await target.addEpisode({ ...e, id: `${prefix}${e.id}` }, rows, media);
  }
  await target.commit();
  return { store, datasetId: target.id! };
}
