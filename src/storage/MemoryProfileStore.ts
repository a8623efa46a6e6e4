import { damagedProfileError, migrateProfile, toStoredProfile } from "./profileRecord.ts";
import type { ProfileListing, ProfileStore, RobotProfile } from "./ProfileStore.ts";

/**
 * In-memory ProfileStore for tests and the simulator: the same validation, migration and copy
 * semantics as IdbProfileStore (records are structured-cloned in and out, listed by id).
 */
export class MemoryProfileStore implements ProfileStore {
  private readonly records = new Map<string, unknown>();

  async list(): Promise<ProfileListing> {
    await Promise.resolve();
    const listing: ProfileListing = { profiles: [], skipped: [] };
    for (const id of [...this.records.keys()].sort(compareKeys)) {
      const result = migrateProfile(structuredClone(this.records.get(id)));
      if ("error" in result) listing.skipped.push({ id, error: result.error });
      else listing.profiles.push(result);
    }
    return listing;
  }

  async get(id: string): Promise<RobotProfile | undefined> {
    await Promise.resolve();
    if (!this.records.has(id)) return undefined;
    const result = migrateProfile(structuredClone(this.records.get(id)));
    if ("error" in result) throw damagedProfileError(id, result.error);
    return result;
  }

  async put(profile: RobotProfile): Promise<void> {
    await Promise.resolve();
    const record = toStoredProfile(profile);
    this.records.set(record.id, structuredClone(record));
  }

  async delete(id: string): Promise<void> {
    await Promise.resolve();
    this.records.delete(id);
  }

  /** Test only: stores a record as-is, without validation (damaged or old-shape records). */
  putRaw(record: { id: string }): void {
    this.records.set(record.id, structuredClone(record));
  }
}

/** IndexedDB orders string keys by UTF-16 code units, as `<` does. */
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
