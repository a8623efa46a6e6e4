import { parseCalibration, serializeCalibration } from "../../core/calibration.ts";
import { messageOf } from "../../core/messages.ts";
import { ARMS } from "../../core/robots.ts";
import { configureArm } from "../../control/index.ts";
import type { RobotProfile } from "../../storage/index.ts";
import type { RigContext, RigState } from "../rigStore.ts";

type Base = Pick<RigContext, "set" | "get" | "backends" | "activities" | "report" | "now">;

/** Robot profiles: listing, changes (one at a time per profile, on the newest copy), calibration files in and out. */
export function profilesSlice(ctx: Base) {
  const { set, get, backends, report, now } = ctx;
  const profile = (id: string) => get().profiles.find((p) => p.id === id);

  const saveProfile = async (p: RobotProfile) => {
    await backends.profiles.put(p);
    set((s) => ({ profiles: [...s.profiles.filter((x) => x.id !== p.id), p].sort((a, b) => a.createdAt - b.createdAt) }));
  };

  /**
   * Changes a stored profile: one change at a time per profile, each applied to the newest copy,
   * so two changes made at once (calibration adopted while the user picks a URDF) both stay.
   */
  const writes = new Map<string, Promise<void>>();
  const updateProfile = (id: string, change: (p: RobotProfile) => RobotProfile): Promise<void> => {
    const run = (writes.get(id) ?? Promise.resolve()).then(async () => {
      const current = profile(id);
      if (current) await saveProfile(change(current));
    });
    writes.set(
      id,
      run.catch(() => undefined),
    );
    return run;
  };

  const change = async (id: string, fn: (p: RobotProfile) => RobotProfile) => {
    if (!profile(id)) return;
    try {
      await updateProfile(id, fn);
    } catch (e) {
      report("error", messageOf(e));
    }
  };

  const actions: Pick<
    RigState,
    "loadProfiles" | "renameProfile" | "setBodyNormMode" | "setProfileUrdf" | "deleteProfile" | "importCalibration" | "exportCalibration"
  > = {
    async loadProfiles() {
      try {
        const { profiles, skipped } = await backends.profiles.list();
        set({ profiles: [...profiles].sort((a, b) => a.createdAt - b.createdAt) });
        for (const s of skipped) report("warning", `A saved robot profile could not be read and was skipped (${s.error}).`);
      } catch (e) {
        report("error", messageOf(e));
      }
    },
    renameProfile: (id, name) => (name.trim() ? change(id, (cur) => ({ ...cur, name: name.trim(), updatedAt: now() })) : Promise.resolve()),
    setBodyNormMode: (id, mode) => change(id, (cur) => ({ ...cur, bodyNormMode: mode, updatedAt: now() })),
    setProfileUrdf: (id, urdf) =>
      change(id, (cur) => {
        const { urdf: _old, ...rest } = cur;
        void _old;
        return { ...rest, ...(urdf ? { urdf } : {}), updatedAt: now() };
      }),
    async deleteProfile(id) {
      if (get().buses.some((b) => b.key === id)) await get().disconnect(id);
      try {
        await backends.profiles.delete(id);
        set((s) => ({ profiles: s.profiles.filter((p) => p.id !== id) }));
      } catch (e) {
        report("error", messageOf(e));
      }
    },
    async importCalibration(profileId, text) {
      const p = profile(profileId);
      if (!p) return ["No such robot profile."];
      // Writing homing offsets turns the arm's torque off: never while something drives it.
      const refused = ctx.activities.refusal(profileId, "importing a calibration", p.name);
      if (refused) return [refused];
      const parsed = parseCalibration(text, ARMS[p.arm]);
      if (!parsed.ok) return parsed.errors;
      const bus = get().buses.find((b) => b.key === profileId && b.status === "connected");
      try {
        if (bus) await configureArm(get().api(profileId), profileId, ARMS[p.arm], parsed.table);
        await updateProfile(profileId, (cur) => ({ ...cur, calibration: parsed.table, calibratedAt: now(), updatedAt: now() }));
      } catch (e) {
        return [`The file is valid but could not be applied: ${messageOf(e)}`];
      }
      return [];
    },
    exportCalibration(profileId) {
      const p = profile(profileId);
      if (!p?.calibration) return undefined;
      const safe = p.name.replace(/[^\w.-]+/g, "_");
      return { filename: `${safe}.json`, text: serializeCalibration(p.calibration) };
    },
  };
  return { internal: { profile, saveProfile, updateProfile }, actions };
}
