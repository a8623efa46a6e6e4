import { messageOf } from "../../core/messages.ts";
import { ARMS } from "../../core/robots.ts";
import { CalibrationSession, MotorSetupSession, setupOptionsFor } from "../../control/index.ts";
import { PROTOCOL_FAMILIES } from "../../protocol/models.ts";
import type { RigContext, RigState } from "../rigStore.ts";

/** The calibration wizard's and the motor-setup bench's sessions (engines in control/), bound to the rig. */
export function sessionsSlice(
  ctx: RigContext,
): Pick<RigState, "startCalibration" | "saveCalibration" | "closeCalibration" | "startMotorSetup" | "closeMotorSetup"> {
  const { set, get, backends, activities, report, now, portOf, profile, updateProfile, addBus } = ctx;
  const router = backends.router;
  /** Gives the arm the calibration wizard holds back to the other activities. */
  let releaseCalibration = () => undefined as void;
  return {
    startCalibration(profileId) {
      const p = profile(profileId);
      const bus = get().buses.find((b) => b.key === profileId && b.status === "connected");
      if (!p || !bus) {
        report("error", "Connect the arm before calibrating it.");
        return undefined;
      }
      get().calibration?.session.dispose();
      releaseCalibration();
      try {
        releaseCalibration = activities.claim(profileId, "the calibration wizard", p.name);
      } catch (e) {
        report("error", messageOf(e));
        return undefined;
      }
      const session = new CalibrationSession(router.api(profileId), profileId, ARMS[p.arm], p.calibration);
      set({ calibration: { profileId, session } });
      return session;
    },

    async saveCalibration() {
      const c = get().calibration;
      if (!c) return;
      const result = c.session.snapshot.result;
      const p = profile(c.profileId);
      if (!result || !p) return;
      try {
        await updateProfile(p.id, (cur) => ({ ...cur, calibration: result, calibratedAt: now(), updatedAt: now() }));
        report("success", `${p.name} is calibrated.`, `calibration:${p.id}`);
      } catch (e) {
        report("error", `The calibration was written to the motors but could not be saved: ${messageOf(e)}`, `calibration:${p.id}`);
      }
    },

    async closeCalibration() {
      const c = get().calibration;
      if (!c) return;
      set({ calibration: undefined });
      try {
        await c.session.cancel();
      } finally {
        c.session.dispose();
        releaseCalibration();
      }
    },

    async startMotorSetup(armId, simulated) {
      const arm = ARMS[armId];
      const family = PROTOCOL_FAMILIES[arm.protocol];
      const key = `setup-${armId}`;
      const refused = activities.refusal(undefined, "setting up motors");
      if (refused) {
        report("error", `Motor setup: ${refused}`);
        return;
      }
      try {
        if (simulated) {
          const info = await router.connectSim(key, armId, { setupBench: true });
          addBus({ ...info, label: `Motor setup bench (${arm.label}, simulated)` }, undefined, undefined);
        } else {
          const serial = backends.serial;
          if (!serial) throw new Error("This browser has no Web Serial: motor setup needs Chrome or Edge on a desktop.");
          const port = await serial.requestPort();
          const info = await router.connectPort(key, port, arm.protocol, family.defaultBaudRate, true);
          portOf.set(key, port);
          addBus({ ...info, label: `Motor setup — ${info.label}` }, undefined, undefined);
        }
        const session = new MotorSetupSession(router.api(key), key, arm, setupOptionsFor(arm));
        set({ setup: { busKey: key, session } });
      } catch (e) {
        if (!(e instanceof Error && e.name === "NotFoundError")) report("error", `Motor setup: ${messageOf(e)}`);
      }
    },

    async closeMotorSetup() {
      const s = get().setup;
      if (!s) return;
      set({ setup: undefined });
      await get().disconnect(s.busKey);
    },
  };
}
