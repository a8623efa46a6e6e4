/**
 * The chosen ONNX policy in its own small IndexedDB database ("studio-onnx-policy"; one record),
 * so it survives a reload without touching the studio database's schema.
 */
import { type IDBPDatabase, openDB } from "idb";
import type { SavedOnnxPolicy } from "../core/onnxPolicy.ts";

const STORE = "policy";
const KEY = "current";

export class IdbOnnxPolicyStore {
  private db: Promise<IDBPDatabase> | undefined;

  constructor(private readonly name = "studio-onnx-policy") {}

  private open(): Promise<IDBPDatabase> {
    this.db ??= openDB(this.name, 1, { upgrade: (db) => void db.createObjectStore(STORE) });
    return this.db;
  }

  async load(): Promise<SavedOnnxPolicy | undefined> {
    const v = (await (await this.open()).get(STORE, KEY)) as Partial<SavedOnnxPolicy> | undefined;
    if (!v || typeof v.modelName !== "string" || !(v.model instanceof Uint8Array)) return undefined;
    return {
      modelName: v.modelName,
      model: v.model,
      ...(typeof v.statsName === "string" && typeof v.statsText === "string" ? { statsName: v.statsName, statsText: v.statsText } : {}),
      imageNorm: v.imageNorm === "dataset" ? "dataset" : "imagenet",
      cameras: Array.isArray(v.cameras) ? v.cameras.filter((c): c is string => typeof c === "string") : [],
      fps: typeof v.fps === "number" && v.fps > 0 ? v.fps : 30,
    };
  }

  async save(saved: SavedOnnxPolicy): Promise<void> {
    await (await this.open()).put(STORE, { ...saved, cameras: [...saved.cameras] }, KEY);
  }
}
