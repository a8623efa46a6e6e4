import "fake-indexeddb/auto";
import { openDB } from "idb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IdbProfileStore } from "./IdbProfileStore.ts";
import { MemoryProfileStore } from "./MemoryProfileStore.ts";
import { PROFILE_SCHEMA_VERSION, StorageError, type ProfileStore, type RobotProfile } from "./ProfileStore.ts";
import { DB_VERSION } from "./schema.ts";

/**
 * One contract suite, two stores: IndexedDB (fake-indexeddb, a fresh database per test) and the
 * in-memory fake. `putRaw` writes a record bypassing validation, to simulate damaged or
 * old-shape data.
 */
type RawRecord = { id: string } & Record<string, unknown>;

interface Harness {
  store: ProfileStore;
  putRaw(record: RawRecord): Promise<void>;
  close(): void;
}

let dbCounter = 0;
const freshName = () => `robot-studio-test-${++dbCounter}`;

async function putRawIdb(name: string, record: RawRecord): Promise<void> {
  const db = await openDB(name);
  try {
    await db.put("profiles", record);
  } finally {
    db.close();
  }
}

const IMPLEMENTATIONS: Record<string, () => Promise<Harness>> = {
  IdbProfileStore: async () => {
    const name = freshName();
    const store = await IdbProfileStore.open(name);
    return { store, putRaw: (r) => putRawIdb(name, r), close: () => store.close() };
  },
  MemoryProfileStore: async () => {
    const store = new MemoryProfileStore();
    return { store, putRaw: async (r) => store.putRaw(r), close: () => {} };
  },
};

const CALIBRATION = {
  shoulder_pan: { id: 1, drive_mode: 0, homing_offset: -1470, range_min: 758, range_max: 3292 },
  shoulder_lift: { id: 2, drive_mode: 0, homing_offset: 157, range_min: 612, range_max: 3401 },
  elbow_flex: { id: 3, drive_mode: 0, homing_offset: -1121, range_min: 862, range_max: 3127 },
  wrist_flex: { id: 4, drive_mode: 0, homing_offset: 1283, range_min: 841, range_max: 3226 },
  wrist_roll: { id: 5, drive_mode: 0, homing_offset: -1946, range_min: 0, range_max: 4095 },
  gripper: { id: 6, drive_mode: 0, homing_offset: 1377, range_min: 2024, range_max: 3475 },
};

function profile(overrides: Partial<RobotProfile> = {}): RobotProfile {
  return {
    id: "3f1c2a9e-0000-4000-8000-000000000001",
    name: "left follower",
    arm: "so101_follower",
    bodyNormMode: "degrees",
    simulated: false,
    port: { usbVendorId: 0x1a86, usbProductId: 0x55d3, serialNumber: "58FA083324" },
    calibration: structuredClone(CALIBRATION),
    calibratedAt: 1_760_000_000_000,
    createdAt: 1_750_000_000_000,
    updatedAt: 1_760_000_000_000,
    ...overrides,
  };
}

const bare = (id: string, name: string): RobotProfile =>
  profile({ id, name, port: undefined, calibration: undefined, calibratedAt: undefined });

/** A profile as a loose record, to break it in ways the types forbid. */
const loose = (p: RobotProfile): RawRecord => ({ ...p });

for (const [implName, makeHarness] of Object.entries(IMPLEMENTATIONS)) {
  describe(`ProfileStore contract: ${implName}`, () => {
    let h: Harness;
    beforeEach(async () => {
      h = await makeHarness();
    });
    afterEach(() => h.close());

    it("starts empty; get of an absent id is undefined and deleting it is not an error", async () => {
      expect(await h.store.list()).toStrictEqual({ profiles: [], skipped: [] });
      expect(await h.store.get("absent")).toBeUndefined();
      await expect(h.store.delete("absent")).resolves.toBeUndefined();
    });

    it("round-trips a full profile and a bare one (undefined port, calibration, calibratedAt)", async () => {
      const full = profile();
      const minimal = bare("b", "spare leader");
      await h.store.put(full);
      await h.store.put(minimal);
      expect(await h.store.get(full.id)).toStrictEqual(full);
      expect(await h.store.get("b")).toStrictEqual(minimal);
    });

    it("keeps a port identity with only some fields", async () => {
      const p = profile({ port: { serialNumber: "A1" } });
      await h.store.put(p);
      expect((await h.store.get(p.id))?.port).toStrictEqual({ serialNumber: "A1" });
    });

    it("put replaces by id", async () => {
      await h.store.put(profile());
      const renamed = profile({ name: "right follower", updatedAt: 1_770_000_000_000 });
      await h.store.put(renamed);
      expect(await h.store.get(renamed.id)).toStrictEqual(renamed);
      expect((await h.store.list()).profiles).toHaveLength(1);
    });

    it("lists every profile, ordered by id", async () => {
      await h.store.put(bare("c", "three"));
      await h.store.put(bare("a", "one"));
      await h.store.put(bare("b", "two"));
      const { profiles, skipped } = await h.store.list();
      expect(profiles.map((p) => [p.id, p.name])).toStrictEqual([
        ["a", "one"],
        ["b", "two"],
        ["c", "three"],
      ]);
      expect(skipped).toStrictEqual([]);
    });

    it("delete removes only that profile", async () => {
      await h.store.put(bare("a", "one"));
      await h.store.put(bare("b", "two"));
      await h.store.delete("a");
      expect(await h.store.get("a")).toBeUndefined();
      expect((await h.store.list()).profiles.map((p) => p.id)).toStrictEqual(["b"]);
    });

    it("stores and returns copies: mutating the input or a result does not change the store", async () => {
      const p = profile();
      await h.store.put(p);
      p.name = "changed after put";
      (p.calibration!["gripper"] as { range_min: number }).range_min = 1;

      const got = (await h.store.get(p.id))!;
      expect(got).toStrictEqual(profile());
      got.name = "changed after get";
      (got.calibration!["gripper"] as { range_max: number }).range_max = 2;
      got.port!.serialNumber = "X";

      const listed = (await h.store.list()).profiles[0]!;
      expect(listed).toStrictEqual(profile());
      (listed.calibration!["elbow_flex"] as { homing_offset: number }).homing_offset = 3;

      expect(await h.store.get(p.id)).toStrictEqual(profile());
      const again = (await h.store.get(p.id))!;
      expect(again).not.toBe(got);
      expect(again.calibration).not.toBe(got.calibration);
    });

    it("drops fields that are not part of a profile", async () => {
      const p = { ...profile(), extra: "not a profile field", schemaVersion: 42 } as RobotProfile;
      await h.store.put(p);
      expect(await h.store.get(p.id)).toStrictEqual(profile());
    });

    const INVALID: [string, (r: Record<string, unknown>) => void, RegExp][] = [
      ["an unknown arm", (r) => (r["arm"] = "so102_follower"), /arm: expected one of so101_follower/],
      [
        "a non-integer range_min",
        (r) => ((r["calibration"] as typeof CALIBRATION).gripper.range_min = 2024.5),
        /calibration\.gripper\.range_min: expected an integer, got 2024\.5/,
      ],
      ["a missing name", (r) => delete r["name"], /name: expected a non-empty string, got nothing/],
      ["a blank name", (r) => (r["name"] = "  "), /name: expected a non-empty string/],
      ["an unknown norm mode", (r) => (r["bodyNormMode"] = "radians"), /bodyNormMode: expected degrees or range_m100_100/],
      [
        "a calibration entry missing a field",
        (r) => delete (r["calibration"] as Record<string, Record<string, unknown>>)["wrist_roll"]!["drive_mode"],
        /calibration\.wrist_roll\.drive_mode/,
      ],
      ["a vendor id out of range", (r) => (r["port"] = { usbVendorId: 70_000 }), /port\.usbVendorId: expected an integer in 0\.\.65535/],
      ["a null port", (r) => (r["port"] = null), /port: expected an object, got null/],
      ["a string timestamp", (r) => (r["createdAt"] = "yesterday"), /createdAt: expected ms since epoch/],
    ];

    it.each(INVALID)("refuses a profile with %s (StorageError 'invalid', store unchanged)", async (_label, breakIt, why) => {
      const original = profile();
      await h.store.put(original);
      await h.store.put(bare("other", "other arm"));
      const before = await h.store.list();

      // Same id as a stored profile: a refused put must not replace it.
      const broken = loose(profile({ name: "broken" }));
      breakIt(broken);
      const error: unknown = await h.store.put(broken as unknown as RobotProfile).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect(error).toMatchObject({ code: "invalid", message: expect.stringMatching(why) });
      expect((error as StorageError).message).toMatch(/was not saved.*Nothing was changed/);

      // A new id: nothing must be added.
      const brokenNew = loose(profile({ id: "new", name: "broken" }));
      breakIt(brokenNew);
      await expect(h.store.put(brokenNew as unknown as RobotProfile)).rejects.toMatchObject({ code: "invalid" });

      expect(await h.store.list()).toStrictEqual(before);
      expect(await h.store.get(original.id)).toStrictEqual(original);
    });

    it("list skips and reports damaged records, and still returns the good ones", async () => {
      await h.store.put(bare("a-good", "good one"));
      await h.putRaw({ ...loose(bare("b-bad-name", "x")), name: 5, schemaVersion: PROFILE_SCHEMA_VERSION });
      const badCalibration = loose(profile({ id: "c-bad-cal" }));
      (badCalibration["calibration"] as typeof CALIBRATION).shoulder_pan.range_min = 1.5;
      await h.putRaw({ ...badCalibration, id: "c-bad-cal", schemaVersion: PROFILE_SCHEMA_VERSION });
      await h.putRaw({ ...loose(bare("d-no-version", "old")), id: "d-no-version" });
      await h.putRaw({ ...loose(bare("e-future", "future")), id: "e-future", schemaVersion: PROFILE_SCHEMA_VERSION + 1 });
      await h.store.put(bare("f-good", "another good one"));

      const { profiles, skipped } = await h.store.list();
      expect(profiles).toStrictEqual([bare("a-good", "good one"), bare("f-good", "another good one")]);
      expect(skipped.map((s) => s.id)).toStrictEqual(["b-bad-name", "c-bad-cal", "d-no-version", "e-future"]);
      expect(skipped[0]!.error).toMatch(/^name: expected a non-empty string, got 5/);
      expect(skipped[1]!.error).toMatch(/^calibration\.shoulder_pan\.range_min: expected an integer, got 1\.5/);
      expect(skipped[2]!.error).toMatch(/^schemaVersion: expected a non-negative integer, got nothing/);
      expect(skipped[3]!.error).toMatch(/newer version of the studio/);

      // get of a damaged record reports it rather than pretending it is absent.
      await expect(h.store.get("b-bad-name")).rejects.toMatchObject({ code: "invalid", message: expect.stringMatching(/damaged/) });
      // A damaged record can still be deleted.
      await h.store.delete("b-bad-name");
      expect((await h.store.list()).skipped.map((s) => s.id)).toStrictEqual(["c-bad-cal", "d-no-version", "e-future"]);
    });

    it("migrates a v0 record (normMode instead of bodyNormMode) on read", async () => {
      const { bodyNormMode, ...rest } = profile({ bodyNormMode: "range_m100_100" });
      await h.putRaw({ ...rest, normMode: bodyNormMode, schemaVersion: 0 });

      const expected = profile({ bodyNormMode: "range_m100_100" });
      expect(await h.store.get(expected.id)).toStrictEqual(expected);
      expect(await h.store.list()).toStrictEqual({ profiles: [expected], skipped: [] });

      // Saving a migrated profile stores the current shape.
      await h.store.put((await h.store.get(expected.id))!);
      expect(await h.store.get(expected.id)).toStrictEqual(expected);
    });

    it("reports a v0 record that the migration cannot fix", async () => {
      const rest = loose(profile());
      delete rest["bodyNormMode"];
      await h.putRaw({ ...rest, normMode: "radians", schemaVersion: 0 });
      const { skipped } = await h.store.list();
      expect(skipped).toStrictEqual([
        { id: rest.id, error: expect.stringMatching(/^bodyNormMode: expected degrees or range_m100_100, got "radians"/) as unknown },
      ]);
    });
  });
}

describe("IdbProfileStore", () => {
  it("persists across close and reopen of the same database", async () => {
    const name = freshName();
    const first = await IdbProfileStore.open(name);
    await first.put(profile());
    await first.put(bare("b", "spare"));
    first.close();

    const second = await IdbProfileStore.open(name);
    expect(await second.get(profile().id)).toStrictEqual(profile());
    expect((await second.list()).profiles.map((p) => p.id)).toStrictEqual([profile().id, "b"]);
    second.close();

    const other = await IdbProfileStore.open(freshName());
    expect(await other.list()).toStrictEqual({ profiles: [], skipped: [] });
    other.close();
  });

  it("creates the schema: version DB_VERSION, a profiles store keyed in-line by id, records tagged with schemaVersion", async () => {
    const name = freshName();
    const store = await IdbProfileStore.open(name);
    await store.put(profile());
    store.close();

    const db = await openDB(name);
    expect(db.version).toBe(DB_VERSION);
    expect([...db.objectStoreNames]).toStrictEqual(["datasets", "episodes", "media", "profiles", "rows"]);
    const tx = db.transaction("profiles");
    expect(tx.store.keyPath).toBe("id");
    expect(await tx.store.get(profile().id)).toStrictEqual({ ...profile(), schemaVersion: PROFILE_SCHEMA_VERSION });
    db.close();
  });

  it("steps aside when another tab upgrades the database; later calls fail as 'unavailable'", async () => {
    const name = freshName();
    const store = await IdbProfileStore.open(name);
    // Would hang (blocked) if the open store did not close its connection on versionchange.
    const newer = await openDB(name, DB_VERSION + 1);
    newer.close();
    await expect(store.list()).rejects.toMatchObject({ code: "unavailable", message: expect.stringMatching(/Reload the page/) });
  });

  it("reports a database saved by a newer studio as 'unavailable'", async () => {
    const name = freshName();
    (await openDB(name, DB_VERSION + 5)).close();
    const error: unknown = await IdbProfileStore.open(name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: "unavailable", message: expect.stringMatching(/newer version of the studio/) });
  });

  it("refuses calls after close() with 'unavailable'", async () => {
    const store = await IdbProfileStore.open(freshName());
    store.close();
    await expect(store.put(profile())).rejects.toMatchObject({ code: "unavailable" });
    await expect(store.get("x")).rejects.toMatchObject({ code: "unavailable" });
  });
});
