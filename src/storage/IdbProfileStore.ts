import { openStudioDB } from "./db.ts";
import { toStorageError } from "./errors.ts";
import { damagedProfileError, migrateProfile, toStoredProfile } from "./profileRecord.ts";
import type { ProfileListing, ProfileStore, RobotProfile } from "./ProfileStore.ts";
import { DB_NAME, type StudioDatabase } from "./schema.ts";

/** Robot profiles in the studio's IndexedDB database ("profiles" store). */
export class IdbProfileStore implements ProfileStore {
  /** Uses an open connection, which may be shared with other stores. */
  constructor(private readonly db: StudioDatabase) {}

  /** Opens the studio database and a store on it. Rejects with a StorageError. */
  static async open(name: string = DB_NAME): Promise<IdbProfileStore> {
    return new IdbProfileStore(await openStudioDB(name));
  }

  async list(): Promise<ProfileListing> {
    try {
      const tx = this.db.transaction("profiles", "readonly");
      const [keys, values] = await Promise.all([tx.store.getAllKeys(), tx.store.getAll(), tx.done]);
      const listing: ProfileListing = { profiles: [], skipped: [] };
      values.forEach((value, i) => {
        const result = migrateProfile(value);
        if ("error" in result) listing.skipped.push({ id: String(keys[i]), error: result.error });
        else listing.profiles.push(result);
      });
      return listing;
    } catch (e) {
      throw toStorageError(e, "load the robot profiles");
    }
  }

  async get(id: string): Promise<RobotProfile | undefined> {
    let value: unknown;
    try {
      value = await this.db.get("profiles", id);
    } catch (e) {
      throw toStorageError(e, "load the robot profile");
    }
    if (value === undefined) return undefined;
    const result = migrateProfile(value);
    if ("error" in result) throw damagedProfileError(id, result.error);
    return result;
  }

  async put(profile: RobotProfile): Promise<void> {
    const record = toStoredProfile(profile); // throws StorageError("invalid") before touching the database
    try {
      const tx = this.db.transaction("profiles", "readwrite");
      await Promise.all([tx.store.put(record), tx.done]);
    } catch (e) {
      throw toStorageError(e, "save the robot profile");
    }
  }

  async delete(id: string): Promise<void> {
    try {
      const tx = this.db.transaction("profiles", "readwrite");
      await Promise.all([tx.store.delete(id), tx.done]);
    } catch (e) {
      throw toStorageError(e, "delete the robot profile");
    }
  }

  /** Closes the connection (for every store sharing it). Later calls reject with StorageError("unavailable"). */
  close(): void {
    this.db.close();
  }
}
