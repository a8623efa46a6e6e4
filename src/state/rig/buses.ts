import { messageOf } from "../../core/messages.ts";
import { ARMS, type ArmId } from "../../core/robots.ts";
import { configureArm, readCalibrationFromMotors } from "../../control/index.ts";
import type { BusInfo, SerialPortLike } from "../../hardware/index.ts";
import { PROTOCOL_FAMILIES } from "../../protocol/models.ts";
import type { PortIdentity, RobotProfile } from "../../storage/index.ts";
import { type BusEntry, type RigContext, type RigState, simProfileId } from "../rigStore.ts";

type Base = Pick<
  RigContext,
  "set" | "get" | "backends" | "activities" | "report" | "now" | "newId" | "portOf" | "profile" | "saveProfile" | "updateProfile"
>;

function sameIdentity(a: PortIdentity | undefined, b: SerialPortInfo & { serialNumber?: string }): boolean {
  if (!a || a.usbVendorId === undefined) return false;
  return (
    a.usbVendorId === b.usbVendorId &&
    a.usbProductId === b.usbProductId &&
    (a.serialNumber === undefined || a.serialNumber === b.serialNumber)
  );
}

function identityOf(port: SerialPortLike): PortIdentity {
  const info = port.getInfo() as SerialPortInfo & { serialNumber?: string };
  return {
    ...(info.usbVendorId === undefined ? {} : { usbVendorId: info.usbVendorId }),
    ...(info.usbProductId === undefined ? {} : { usbProductId: info.usbProductId }),
    ...(info.serialNumber === undefined ? {} : { serialNumber: info.serialNumber }),
  };
}

/** Connected buses: the simulated rig, real arms (remembered with their adapter), scans, registers, reconnects. */
export function busesSlice(ctx: Base) {
  const { set, get, backends, report, now, newId, portOf, profile, saveProfile, updateProfile } = ctx;
  const router = backends.router;

  const patch = (key: string, change: Partial<BusEntry>) =>
    set((s) => ({ buses: s.buses.map((b) => (b.key === key ? { ...b, ...change } : b)) }));

  const addBus = (info: BusInfo, profileId: string | undefined, arm: ArmId | undefined) => {
    const entry: BusEntry = {
      key: info.key,
      info,
      status: "connected",
      profileId,
      arm,
      motors: [],
      scanning: false,
      lastScan: undefined,
    };
    set((s) => ({ buses: [...s.buses.filter((b) => b.key !== info.key), entry] }));
  };

  const scan = async (key: string, baudRates?: readonly number[]) => {
    const bus = get().buses.find((b) => b.key === key);
    if (!bus) return;
    patch(key, { scanning: true });
    try {
      const result = await router.api(key).scan(key, baudRates ?? [bus.info.baudRate]);
      const atOther = result.motors.filter((m) => m.baudRate !== result.motors[0]?.baudRate);
      const conflicts = Object.entries(result.corruptByBaud);
      const arm = bus.arm ? ARMS[bus.arm] : undefined;
      const missing = arm ? arm.motors.filter((m) => !result.motors.some((f) => f.id === m.id)) : [];
      const notes = [
        result.motors.length === 0 ? "No motor answered. Check power and cabling, or scan all baud rates." : undefined,
        result.motors.length > 0 && missing.length > 0
          ? `Not found: ${missing.map((m) => `${m.name} (id ${m.id})`).join(", ")}.`
          : undefined,
        atOther.length > 0 ? `Motors ${atOther.map((m) => m.id).join(", ")} answer at another baud rate.` : undefined,
        conflicts.length > 0 ? `Garbled replies at ${conflicts.map(([b]) => b).join(", ")} baud: two motors may share an id.` : undefined,
      ].filter((n): n is string => n !== undefined);
      const baudRate = result.motors[0]?.baudRate ?? bus.info.baudRate;
      const found = result.motors.map((m) => m.id);
      const lastScan =
        notes.length > 0
          ? { note: notes.join(" "), ok: false }
          : {
              note: `Scan: ${found.length}${arm ? ` of ${arm.motors.length}` : ""} motors answered (ids ${found.join(", ")}) at ${baudRate} baud.`,
              ok: true,
            };
      patch(key, { motors: result.motors, lastScan, info: { ...bus.info, baudRate } });
    } catch (e) {
      report("error", `Scan of ${bus.info.label} failed: ${messageOf(e)}`);
    } finally {
      patch(key, { scanning: false });
    }
  };

  /** After a profile's bus is open: configure the motors and write (or adopt) its calibration. */
  const prepareArm = async (p: RobotProfile) => {
    const arm = ARMS[p.arm];
    const rig = router.api(p.id);
    await scan(p.id);
    const found = get().buses.find((b) => b.key === p.id)?.motors ?? [];
    if (found.length < arm.motors.length) return; // the scan note explains what is missing
    await configureArm(rig, p.id, arm, p.calibration);
    if (p.calibration === undefined && p.simulated) {
      // The simulated rig's motors come calibrated: adopt what they hold (on the newest copy of the profile).
      const calibration = await readCalibrationFromMotors(rig, p.id, arm);
      await updateProfile(p.id, (cur) => ({ ...cur, calibration, calibratedAt: now(), updatedAt: now() }));
    }
  };

  const connectPort = async (p: RobotProfile, port: SerialPortLike, baudRate: number) => {
    const info = await router.connectPort(p.id, port, ARMS[p.arm].protocol, baudRate);
    portOf.set(p.id, port);
    addBus({ ...info, label: `${p.name} — ${info.label}` }, p.id, p.arm);
    await prepareArm(p);
  };

  const actions: Pick<
    RigState,
    | "connectSimulatedRig"
    | "connectRealArm"
    | "reconnectKnownPorts"
    | "disconnect"
    | "scan"
    | "readRegister"
    | "writeRegister"
    | "simulate"
    | "reconfigure"
    | "api"
  > = {
    api: (key) => router.api(key),
    scan,

    async connectSimulatedRig(kind = "so101") {
      set({ busy: "Connecting the simulated rig…" });
      const epoch = Date.now();
      try {
        for (const armId of [`${kind}_leader`, `${kind}_follower`] as const) {
          const id = simProfileId(armId);
          let p = profile(id);
          if (!p) {
            p = {
              id,
              name: `Simulated ${ARMS[armId].label}`,
              arm: armId,
              bodyNormMode: "degrees",
              simulated: true,
              port: undefined,
              calibration: undefined,
              calibratedAt: undefined,
              createdAt: now(),
              updatedAt: now(),
            };
            await saveProfile(p);
          }
          const info = await router.connectSim(id, armId, { scriptEpochMs: epoch });
          addBus({ ...info, label: p.name }, id, armId);
          await prepareArm(p);
        }
      } catch (e) {
        report("error", `Could not start the simulated rig: ${messageOf(e)}`);
      } finally {
        set({ busy: undefined });
      }
    },

    async connectRealArm(armId, name, baudRate) {
      const serial = backends.serial;
      if (!serial) {
        report(
          "error",
          "This browser has no Web Serial. Use Chrome or Edge on a desktop to connect arms; the simulated rig works everywhere.",
        );
        return;
      }
      let port: SerialPortLike;
      try {
        port = await serial.requestPort();
      } catch (e) {
        if (!(e instanceof Error && e.name === "NotFoundError")) report("error", `No port was opened: ${messageOf(e)}`);
        return;
      }
      set({ busy: "Opening the port…" });
      try {
        const info = port.getInfo() as SerialPortInfo & { serialNumber?: string };
        const connectedKeys = new Set(get().buses.map((b) => b.key));
        // The same adapter and arm type as a profile that is not connected: that profile.
        const known = get().profiles.find((p) => !p.simulated && p.arm === armId && !connectedKeys.has(p.id) && sameIdentity(p.port, info));
        const p: RobotProfile = known
          ? { ...known, ...(name.trim() ? { name: name.trim() } : {}), updatedAt: now() }
          : {
              id: newId(),
              name: name.trim() || ARMS[armId].label,
              arm: armId,
              bodyNormMode: "degrees",
              simulated: false,
              port: identityOf(port),
              calibration: undefined,
              calibratedAt: undefined,
              createdAt: now(),
              updatedAt: now(),
            };
        await saveProfile(p);
        await connectPort(p, port, baudRate);
      } catch (e) {
        report("error", messageOf(e));
      } finally {
        set({ busy: undefined });
      }
    },

    async reconnectKnownPorts() {
      const serial = backends.serial;
      if (!serial) return;
      let ports: SerialPortLike[];
      try {
        ports = await serial.getPorts();
      } catch {
        return;
      }
      // Ports held by connected buses; a lost bus's port is free to come back.
      const connected = new Set(
        get()
          .buses.filter((b) => b.status === "connected")
          .map((b) => b.key),
      );
      const inUse = new Set([...portOf].filter(([key]) => connected.has(key)).map(([, port]) => port));
      for (const p of get().profiles) {
        if (p.simulated) continue;
        const bus = get().buses.find((b) => b.key === p.id);
        if (bus && bus.status === "connected") continue;
        const candidates = ports.filter((port) => !inUse.has(port) && sameIdentity(p.port, port.getInfo()));
        // Two identical adapters: do not guess; the user picks (and can wiggle to identify).
        const twins = get().profiles.filter(
          (q) => !q.simulated && q.id !== p.id && q.port && p.port && sameIdentity(q.port, { ...p.port }),
        );
        if (candidates.length !== 1 || twins.length > 0) continue;
        const port = candidates[0]!;
        inUse.add(port);
        try {
          if (bus) await router.disconnect(p.id).catch(() => undefined);
          await connectPort(p, port, PROTOCOL_FAMILIES[ARMS[p.arm].protocol].defaultBaudRate);
          backends.problems.getState().resolve(`bus:${p.id}`);
          report("success", `${p.name} is back: reconnected to its port.`, `bus:${p.id}`);
        } catch (e) {
          report("error", `${p.name}: ${messageOf(e)}`, `bus:${p.id}`);
        }
      }
    },

    async disconnect(key) {
      try {
        await router.disconnect(key);
      } catch (e) {
        report("warning", `Disconnect: ${messageOf(e)}`);
      }
      portOf.delete(key);
      set((s) => ({ buses: s.buses.filter((b) => b.key !== key) }));
    },

    readRegister: (key, id, register) => router.api(key).read(key, id, register),
    async writeRegister(key, id, register, value) {
      // Torque, offsets, limits: a register written under a running loop fights it (or turns it off).
      const refused = ctx.activities.refusal(key, `writing ${register}`, profile(key)?.name);
      if (refused) throw new Error(refused);
      await router.api(key).write(key, id, register, value);
    },
    simulate: (key, command) => router.api(key).simulate(key, command),

    async reconfigure(key) {
      const p = profile(key);
      if (!p) return;
      try {
        await prepareArm(p);
        if (p.calibration) report("success", `${p.name} is back: its calibration was written to the motors again.`, `bus:${key}`);
      } catch (e) {
        report("error", `${p.name}: ${messageOf(e)}`, `bus:${key}`);
      }
    },
  };
  return { internal: { addBus, prepareArm }, actions };
}
