import { createStore, type StoreApi } from "zustand/vanilla";
import { parseCalibration, serializeCalibration } from "../core/calibration.ts";
import { ARMS, type ArmId } from "../core/robots.ts";
import { CalibrationSession, configureArm, MotorSetupSession, readCalibrationFromMotors } from "../control/index.ts";
import type { BusInfo, FoundMotor, RigApi, RigEvent, SerialPortLike, SerialPortRequest, SimCommand, SimState } from "../hardware/index.ts";
import { PROTOCOL_FAMILIES } from "../protocol/models.ts";
import type { PortIdentity, ProfileStore, RobotProfile, UserUrdf } from "../storage/index.ts";

/** A problem the user must see: what happened and what to do. Data, not a thrown error. */
export interface Problem {
  readonly id: number;
  readonly severity: "error" | "warning" | "info";
  readonly message: string;
}

export type BusStatus = "connected" | "lost" | "closed";

export interface BusEntry {
  readonly key: string;
  readonly info: BusInfo;
  readonly status: BusStatus;
  /** The robot profile this bus carries (undefined: a bare bus, e.g. the motor-setup bench). */
  readonly profileId: string | undefined;
  readonly arm: ArmId | undefined;
  readonly motors: readonly FoundMotor[];
  readonly scanning: boolean;
  readonly lastScanNote: string | undefined;
}

export type SerialLike = {
  requestPort(): Promise<SerialPortLike>;
  getPorts(): Promise<SerialPortLike[]>;
  addEventListener(type: "connect", listener: (ev: Event) => void): void;
};

/** The rig as the app wires it: where buses run, where profiles live, how ports are found. */
export interface RigBackends {
  /** The bus worker, when the browser can run one. */
  readonly worker:
    | (RigApi & { connectSerial(key: string, req: SerialPortRequest): Promise<BusInfo>; onEvent(fn: (e: RigEvent) => void): () => void })
    | undefined;
  /** The main-thread fallback. */
  readonly inline: RigApi & {
    connectPort(key: string, port: SerialPortLike, protocol: "feetech" | "dynamixel", baud: number): Promise<BusInfo>;
  };
  /** Hook the main-thread rig's events (it is built before the store). */
  readonly onInlineEvent?: (fn: (e: RigEvent) => void) => void;
  /** Web Serial (navigator.serial, or the injected fake), or undefined without it. */
  readonly serial: SerialLike | undefined;
  readonly profiles: ProfileStore;
  readonly now?: () => number;
  readonly newId?: () => string;
}

export type SimRigKind = "so101" | "koch";

export interface RigState {
  readonly profiles: readonly RobotProfile[];
  readonly buses: readonly BusEntry[];
  readonly problems: readonly Problem[];
  readonly busy: string | undefined;
  readonly calibration: { readonly profileId: string; readonly session: CalibrationSession } | undefined;
  readonly setup: { readonly busKey: string; readonly session: MotorSetupSession } | undefined;

  loadProfiles(): Promise<void>;
  connectSimulatedRig(kind?: SimRigKind): Promise<void>;
  connectRealArm(arm: ArmId, name: string, baudRate: number): Promise<void>;
  /** Reconnect remembered arms whose port is present (at start, and when a port is plugged in). */
  reconnectKnownPorts(): Promise<void>;
  disconnect(key: string): Promise<void>;
  renameProfile(id: string, name: string): Promise<void>;
  /** Units of body joints in teleop and datasets: degrees (current lerobot) or −100..100. */
  setBodyNormMode(id: string, mode: "degrees" | "range_m100_100"): Promise<void>;
  /** The user's own URDF (with meshes) for this profile's 3D view; undefined: the built-in one. */
  setProfileUrdf(id: string, urdf: UserUrdf | undefined): Promise<void>;
  deleteProfile(id: string): Promise<void>;
  scan(key: string, baudRates?: readonly number[]): Promise<void>;
  readRegister(key: string, id: number, register: string): Promise<number>;
  writeRegister(key: string, id: number, register: string, value: number): Promise<void>;
  simulate(key: string, command: SimCommand): Promise<SimState>;
  startCalibration(profileId: string): CalibrationSession | undefined;
  /** Store the session's result in the profile (after session.save()). */
  saveCalibration(): Promise<void>;
  closeCalibration(): Promise<void>;
  importCalibration(profileId: string, text: string): Promise<readonly string[]>;
  exportCalibration(profileId: string): { filename: string; text: string } | undefined;
  startMotorSetup(arm: ArmId, simulated: boolean): Promise<void>;
  closeMotorSetup(): Promise<void>;
  dismissProblem(id: number): void;
  /** Configure a profile's reconnected arm and write its calibration again. */
  reconfigure(key: string): Promise<void>;
  api(key: string): RigApi;
}

export type RigStore = StoreApi<RigState>;

let problemIds = 1;

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function simProfileId(arm: ArmId): string {
  return `sim-${arm}`;
}

function sameIdentity(a: PortIdentity | undefined, b: SerialPortInfo & { serialNumber?: string }): boolean {
  if (!a || a.usbVendorId === undefined) return false;
  return (
    a.usbVendorId === b.usbVendorId &&
    a.usbProductId === b.usbProductId &&
    (a.serialNumber === undefined || a.serialNumber === b.serialNumber)
  );
}

export function createRigStore(backends: RigBackends): RigStore {
  const hostOf = new Map<string, RigApi>();
  const portOf = new Map<string, SerialPortLike>();
  const now = backends.now ?? (() => Date.now());
  const newId = backends.newId ?? (() => crypto.randomUUID());

  const store = createStore<RigState>()((set, get) => {
    const report = (severity: Problem["severity"], message: string) =>
      set((s) => ({ problems: [...s.problems.slice(-9), { id: problemIds++, severity, message }] }));

    const patch = (key: string, change: Partial<BusEntry>) =>
      set((s) => ({ buses: s.buses.map((b) => (b.key === key ? { ...b, ...change } : b)) }));

    const api = (key: string): RigApi => {
      const a = hostOf.get(key);
      if (!a) throw new RangeError(`No bus "${key}" is connected.`);
      return a;
    };

    const addBus = (info: BusInfo, profileId: string | undefined, arm: ArmId | undefined, host: RigApi) => {
      hostOf.set(info.key, host);
      const entry: BusEntry = {
        key: info.key,
        info,
        status: "connected",
        profileId,
        arm,
        motors: [],
        scanning: false,
        lastScanNote: undefined,
      };
      set((s) => ({ buses: [...s.buses.filter((b) => b.key !== info.key), entry] }));
    };

    const saveProfile = async (p: RobotProfile) => {
      await backends.profiles.put(p);
      set((s) => ({ profiles: [...s.profiles.filter((x) => x.id !== p.id), p].sort((a, b) => a.createdAt - b.createdAt) }));
    };

    const profile = (id: string) => get().profiles.find((p) => p.id === id);

    /**
     * Changes a stored profile: one change at a time per profile, each applied to the newest copy,
     * so two changes made at once (calibration adopted while the user picks a URDF) both stay.
     */
    const profileWrites = new Map<string, Promise<void>>();
    const updateProfile = (id: string, change: (p: RobotProfile) => RobotProfile): Promise<void> => {
      const run = (profileWrites.get(id) ?? Promise.resolve()).then(async () => {
        const current = profile(id);
        if (current) await saveProfile(change(current));
      });
      profileWrites.set(
        id,
        run.catch(() => undefined),
      );
      return run;
    };

    const scan = async (key: string, baudRates?: readonly number[]) => {
      const bus = get().buses.find((b) => b.key === key);
      if (!bus) return;
      patch(key, { scanning: true });
      try {
        const result = await api(key).scan(key, baudRates ?? [bus.info.baudRate]);
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
        patch(key, { motors: result.motors, lastScanNote: notes.join(" ") || undefined, info: { ...bus.info, baudRate } });
      } catch (e) {
        report("error", `Scan of ${bus.info.label} failed: ${messageOf(e)}`);
      } finally {
        patch(key, { scanning: false });
      }
    };

    /** After a profile's bus is open: configure the motors and write (or adopt) its calibration. */
    const prepareArm = async (p: RobotProfile) => {
      const arm = ARMS[p.arm];
      const rig = api(p.id);
      await scan(p.id);
      const found = get().buses.find((b) => b.key === p.id)?.motors ?? [];
      if (found.length < arm.motors.length) return; // the scan note explains what is missing
      await configureArm(rig, p.id, arm, p.calibration);
      if (p.calibration === undefined && p.simulated) {
        // The simulated rig's motors come calibrated: adopt what they hold.
        const calibration = await readCalibrationFromMotors(rig, p.id, arm);
        // The profile may have changed while the motors were read (renamed, a URDF chosen):
        // update the newest copy, never write back the one this began with.
        await updateProfile(p.id, (cur) => ({ ...cur, calibration, calibratedAt: now(), updatedAt: now() }));
      }
    };

    const connectPort = async (p: RobotProfile, port: SerialPortLike, baudRate: number) => {
      const protocol = ARMS[p.arm].protocol;
      let info: BusInfo | undefined;
      let host: RigApi = backends.inline;
      if (backends.worker) {
        const i = port.getInfo();
        try {
          info = await backends.worker.connectSerial(p.id, {
            usbVendorId: i.usbVendorId,
            usbProductId: i.usbProductId,
            protocol,
            baudRate,
          });
          host = backends.worker;
        } catch {
          info = undefined; // the worker cannot reach this port: run it on the page
        }
      }
      info ??= await backends.inline.connectPort(p.id, port, protocol, baudRate);
      portOf.set(p.id, port);
      addBus({ ...info, label: `${p.name} — ${info.label}` }, p.id, p.arm, host);
      await prepareArm(p);
    };

    return {
      profiles: [],
      buses: [],
      problems: [],
      busy: undefined,
      calibration: undefined,
      setup: undefined,
      api,

      async loadProfiles() {
        try {
          const { profiles, skipped } = await backends.profiles.list();
          set({ profiles: [...profiles].sort((a, b) => a.createdAt - b.createdAt) });
          for (const s of skipped) report("warning", `A saved robot profile could not be read and was skipped (${s.error}).`);
        } catch (e) {
          report("error", messageOf(e));
        }
      },

      async connectSimulatedRig(kind = "so101") {
        set({ busy: "Connecting the simulated rig…" });
        const rig = backends.worker ?? backends.inline;
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
            const info = await rig.connectSim(id, armId, { scriptEpochMs: epoch });
            addBus({ ...info, label: p.name }, id, armId, rig);
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
          const identity: PortIdentity = {
            ...(info.usbVendorId === undefined ? {} : { usbVendorId: info.usbVendorId }),
            ...(info.usbProductId === undefined ? {} : { usbProductId: info.usbProductId }),
            ...(info.serialNumber === undefined ? {} : { serialNumber: info.serialNumber }),
          };
          const connectedKeys = new Set(get().buses.map((b) => b.key));
          // The same adapter and arm type as a profile that is not connected: that profile.
          const known = get().profiles.find(
            (p) => !p.simulated && p.arm === armId && !connectedKeys.has(p.id) && sameIdentity(p.port, info),
          );
          const p: RobotProfile = known
            ? { ...known, ...(name.trim() ? { name: name.trim() } : {}), updatedAt: now() }
            : {
                id: newId(),
                name: name.trim() || ARMS[armId].label,
                arm: armId,
                bodyNormMode: "degrees",
                simulated: false,
                port: identity,
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
            if (bus)
              await api(p.id)
                .disconnect(p.id)
                .catch(() => undefined);
            await connectPort(p, port, PROTOCOL_FAMILIES[ARMS[p.arm].protocol].defaultBaudRate);
            report("info", `${p.name} is back: reconnected to its port.`);
          } catch (e) {
            report("error", `${p.name}: ${messageOf(e)}`);
          }
        }
      },

      async disconnect(key) {
        try {
          await api(key).disconnect(key);
        } catch (e) {
          report("warning", `Disconnect: ${messageOf(e)}`);
        }
        hostOf.delete(key);
        portOf.delete(key);
        set((s) => ({ buses: s.buses.filter((b) => b.key !== key) }));
      },

      async renameProfile(id, name) {
        const p = profile(id);
        if (!p || !name.trim()) return;
        try {
          await updateProfile(id, (cur) => ({ ...cur, name: name.trim(), updatedAt: now() }));
        } catch (e) {
          report("error", messageOf(e));
        }
      },

      async setBodyNormMode(id, mode) {
        const p = profile(id);
        if (!p) return;
        try {
          await updateProfile(id, (cur) => ({ ...cur, bodyNormMode: mode, updatedAt: now() }));
        } catch (e) {
          report("error", messageOf(e));
        }
      },

      async setProfileUrdf(id, urdf) {
        const p = profile(id);
        if (!p) return;
        try {
          await updateProfile(id, (cur) => {
            const { urdf: _old, ...rest } = cur;
            void _old;
            return { ...rest, ...(urdf ? { urdf } : {}), updatedAt: now() };
          });
        } catch (e) {
          report("error", messageOf(e));
        }
      },

      async deleteProfile(id) {
        if (get().buses.some((b) => b.key === id)) await get().disconnect(id);
        try {
          await backends.profiles.delete(id);
          set((s) => ({ profiles: s.profiles.filter((p) => p.id !== id) }));
        } catch (e) {
          report("error", messageOf(e));
        }
      },

      scan,
      readRegister: (key, id, register) => api(key).read(key, id, register),
      writeRegister: (key, id, register, value) => api(key).write(key, id, register, value),
      simulate: (key, command) => api(key).simulate(key, command),

      startCalibration(profileId) {
        const p = profile(profileId);
        const bus = get().buses.find((b) => b.key === profileId && b.status === "connected");
        if (!p || !bus) {
          report("error", "Connect the arm before calibrating it.");
          return undefined;
        }
        get().calibration?.session.dispose();
        const session = new CalibrationSession(api(profileId), profileId, ARMS[p.arm], p.calibration);
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
          report("info", `${p.name} is calibrated.`);
        } catch (e) {
          report("error", `The calibration was written to the motors but could not be saved: ${messageOf(e)}`);
        }
      },

      async closeCalibration() {
        const c = get().calibration;
        if (!c) return;
        set({ calibration: undefined });
        await c.session.cancel();
        c.session.dispose();
      },

      async importCalibration(profileId, text) {
        const p = profile(profileId);
        if (!p) return ["No such robot profile."];
        const parsed = parseCalibration(text, ARMS[p.arm]);
        if (!parsed.ok) return parsed.errors;
        const bus = get().buses.find((b) => b.key === profileId && b.status === "connected");
        try {
          if (bus) await configureArm(api(profileId), profileId, ARMS[p.arm], parsed.table);
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

      async startMotorSetup(armId, simulated) {
        const arm = ARMS[armId];
        const family = PROTOCOL_FAMILIES[arm.protocol];
        const key = `setup-${armId}`;
        try {
          if (simulated) {
            const rig = backends.worker ?? backends.inline;
            const info = await rig.connectSim(key, armId, { setupBench: true });
            addBus({ ...info, label: `Motor setup bench (${arm.label}, simulated)` }, undefined, undefined, rig);
          } else {
            const serial = backends.serial;
            if (!serial) throw new Error("This browser has no Web Serial: motor setup needs Chrome or Edge on a desktop.");
            const port = await serial.requestPort();
            const info = await backends.inline.connectPort(key, port, arm.protocol, family.defaultBaudRate);
            portOf.set(key, port);
            addBus({ ...info, label: `Motor setup — ${info.label}` }, undefined, undefined, backends.inline);
          }
          const targetBaudIndex = Number(Object.entries(family.baudRates).find(([, b]) => b === 1_000_000)?.[0] ?? 0);
          const pos = family.table[family.telemetry.position]!;
          const a = pos.address;
          const n = pos.size;
          const collisionProbes = [
            [a, n],
            [a - 2, n + 2],
            [a, n + 4],
            [a - 1, n + 1],
            [a - 4, n + 6],
          ] as const;
          const session = new MotorSetupSession(api(key), key, arm, { baudRates: family.scanBaudRates, targetBaudIndex, collisionProbes });
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

      dismissProblem(id) {
        set((s) => ({ problems: s.problems.filter((p) => p.id !== id) }));
      },

      async reconfigure(key) {
        const p = profile(key);
        if (!p) return;
        try {
          await prepareArm(p);
          if (p.calibration) report("info", `${p.name} is back: its calibration was written to the motors again.`);
        } catch (e) {
          report("error", `${p.name}: ${messageOf(e)}`);
        }
      },
    };
  });

  const onEvent = (e: RigEvent) => {
    if (e.kind === "reconnected") {
      store.setState((s) => ({ buses: s.buses.map((b) => (b.key === e.key ? { ...b, status: "connected" as const } : b)) }));
      void store.getState().reconfigure(e.key);
    }
    if (e.kind === "lost") {
      store.setState((s) => ({
        buses: s.buses.map((b) => (b.key === e.key ? { ...b, status: "lost" as const } : b)),
        problems: [...s.problems, { id: problemIds++, severity: "error" as const, message: e.message }],
      }));
    }
  };
  backends.worker?.onEvent(onEvent);
  backends.onInlineEvent?.(onEvent);
  backends.serial?.addEventListener("connect", () => void store.getState().reconnectKnownPorts());
  return store;
}
