/** An ImportTarget holding everything in memory (tests, benchmarks); `toSource()` re-exports it. */
import type { DatasetRecord, EpisodeRecord, MediaBatch, RowBatch } from "../../core/dataset.ts";
import { MemoryExportSource } from "../source.ts";
import type { ImportTarget } from "./importDataset.ts";

export class MemoryImportTarget implements ImportTarget {
  dataset: DatasetRecord | undefined;
  episodes: EpisodeRecord[] = [];
  rows: RowBatch[] = [];
  media: MediaBatch[] = [];
  state: "empty" | "open" | "committed" | "aborted" = "empty";

  begin(dataset: DatasetRecord): Promise<void> {
    this.dataset = dataset;
    this.state = "open";
    return Promise.resolve();
  }
  addEpisode(episode: EpisodeRecord, rows: RowBatch[], media: MediaBatch[]): Promise<void> {
    this.episodes.push(episode);
    this.rows.push(...rows);
    this.media.push(...media);
    return Promise.resolve();
  }
  commit(): Promise<void> {
    this.state = "committed";
    return Promise.resolve();
  }
  abort(): Promise<void> {
    this.dataset = undefined;
    this.episodes = [];
    this.rows = [];
    this.media = [];
    this.state = "aborted";
    return Promise.resolve();
  }
  toSource(): MemoryExportSource {
    if (!this.dataset) throw new Error("nothing imported");
    return new MemoryExportSource({ dataset: this.dataset, episodes: this.episodes, rows: this.rows, media: this.media });
  }
}
