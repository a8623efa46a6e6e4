/** What the rest of the studio uses of the storage layer; its tests import the modules themselves. */
export type { PortIdentity, ProfileStore, RobotProfile, UserUrdf } from "./ProfileStore.ts";
export { IdbProfileStore } from "./IdbProfileStore.ts";
export { MemoryProfileStore } from "./MemoryProfileStore.ts";
export type { EpisodeStore } from "./EpisodeStore.ts";
export { IdbEpisodeStore } from "./IdbEpisodeStore.ts";
export { MemoryEpisodeStore } from "./MemoryEpisodeStore.ts";
