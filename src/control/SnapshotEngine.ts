export { SnapshotEngine } from "../core/SnapshotEngine.ts";
