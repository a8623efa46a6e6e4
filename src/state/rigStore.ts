import { createStore, type StoreApi } from "zustand/vanilla";
import type { ArmId } from "../core/robots.ts";
import type {
  BusInfo,
  FoundMotor,
  RigApi,
  RigEvent,
  SerialPortLike,
  SerialPortRequest,
  SimCommand,
} from "../hardware/index.ts";
import type { ProtocolId } from "../protocol/types.ts";

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
  /** The arm this bus carries, when known (simulated rig). */
  readonly arm: ArmId | undefined;
  readonly motors: readonly FoundMotor[];
  readonly scanning: boolean;
  /** Ids that answered at a different baud rate than the bus runs at. */
  readonly lastScanNote: string | undefined;
}

/** The rig as the app wires it: where buses run, and how a real port is obtained. */
export interface RigBackends {
  /** The bus worker, when the browser can run one. */
  readonly worker: (RigApi & { connectSerial(key: string, req: SerialPortRequest): Promise<BusInfo>; onEvent(fn: (e: RigEvent) => void): () => void }) | undefined;
  /** The main-thread fallback. */
  readonly inline: RigApi & { connectPort(key: string, port: SerialPortLike, protocol: ProtocolId, baud: number): Promise<BusInfo> };
  /** Hook the main-thread rig's events (it is built before the store). */
  readonly onInlineEvent?: (fn: (e: RigEvent) => void) => void;
  /** Ask the user for a serial port (navigator.serial.requestPort), or undefined without Web Serial. */
  readonly requestPort: (() => Promise<SerialPortLike>) | undefined;
}

export interface RigState {
  readonly buses: readonly BusEntry[];
  readonly problems: readonly Problem[];
  readonly busy: string | undefined;
  connectSimulatedRig(): Promise<void>;
  connectRealArm(protocol: ProtocolId, baudRate: number): Promise<void>;
  disconnect(key: string): Promise<void>;
  scan(key: string, baudRates?: readonly number[]): Promise<void>;
  readRegister(key: string, id: number, register: string): Promise<number>;
  writeRegister(key: string, id: number, register: string, value: number): Promise<void>;
  simulate(key: string, command: SimCommand): Promise<void>;
  dismissProblem(id: number): void;
  /** Which backend runs a bus. */
  api(key: string): RigApi;
}

export type RigStore = StoreApi<RigState>;

let problemIds = 1;

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export function createRigStore(backends: RigBackends): RigStore {
  const hostOf = new Map<string, RigApi>();

  const store = createStore<RigState>()((set, get) => {
    const report = (severity: Problem["severity"], message: string) =>
      set((s) => ({ problems: [...s.problems.slice(-9), { id: problemIds++, severity, message }] }));

    const patch = (key: string, change: Partial<BusEntry>) =>
      set((s) => ({ buses: s.buses.map((b) => (b.key === key ? { ...b, ...change } : b)) }));

    const addBus = (info: BusInfo, arm: ArmId | undefined, api: RigApi) => {
      hostOf.set(info.key, api);
      const entry: BusEntry = { key: info.key, info, status: "connected", arm, motors: [], scanning: false, lastScanNote: undefined };
      set((s) => ({ buses: [...s.buses.filter((b) => b.key !== info.key), entry] }));
    };

    const api = (key: string): RigApi => {
      const a = hostOf.get(key);
      if (!a) throw new RangeError(`No bus "${key}".`);
      return a;
    };

    const scan = async (key: string, baudRates?: readonly number[]) => {
      const bus = get().buses.find((b) => b.key === key);
      if (!bus) return;
      patch(key, { scanning: true });
      try {
        const result = await api(key).scan(key, baudRates ?? [bus.info.baudRate]);
        const atOther = result.motors.filter((m) => m.baudRate !== result.motors[0]?.baudRate);
        const conflicts = Object.entries(result.corruptByBaud);
        const notes = [
          result.motors.length === 0 ? "No motor answered. Check power and cabling, or scan all baud rates." : undefined,
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

    return {
      buses: [],
      problems: [],
      busy: undefined,
      api,

      async connectSimulatedRig() {
        set({ busy: "Connecting the simulated rig…" });
        const rig = backends.worker ?? backends.inline;
        const epoch = Date.now();
        try {
          for (const [key, arm] of [
            ["leader", "so101_leader"],
            ["follower", "so101_follower"],
          ] as const) {
            const info = await rig.connectSim(key, arm, { scriptEpochMs: epoch });
            addBus(info, arm, rig);
            await scan(key);
          }
        } catch (e) {
          report("error", `Could not start the simulated rig: ${messageOf(e)}`);
        } finally {
          set({ busy: undefined });
        }
      },

      async connectRealArm(protocol, baudRate) {
        if (!backends.requestPort) {
          report("error", "This browser has no Web Serial. Use Chrome or Edge on a desktop to connect arms; the simulated rig works everywhere.");
          return;
        }
        let port: SerialPortLike;
        try {
          port = await backends.requestPort();
        } catch (e) {
          const name = e instanceof Error ? e.name : "";
          if (name !== "NotFoundError") report("error", `No port was opened: ${messageOf(e)}`);
          return;
        }
        const n = get().buses.filter((b) => !b.info.simulated).length + 1;
        const key = `port-${n}-${Date.now().toString(36)}`;
        set({ busy: "Opening the port…" });
        try {
          let info: BusInfo | undefined;
          let host: RigApi = backends.inline;
          if (backends.worker) {
            const i = port.getInfo();
            try {
              info = await backends.worker.connectSerial(key, { usbVendorId: i.usbVendorId, usbProductId: i.usbProductId, protocol, baudRate });
              host = backends.worker;
            } catch {
              info = undefined; // the worker cannot reach this port: run it on the page
            }
          }
          info ??= await backends.inline.connectPort(key, port, protocol, baudRate);
          addBus(info, undefined, host);
          await scan(key);
        } catch (e) {
          report("error", messageOf(e));
        } finally {
          set({ busy: undefined });
        }
      },

      async disconnect(key) {
        try {
          await api(key).disconnect(key);
        } catch (e) {
          report("warning", `Disconnect: ${messageOf(e)}`);
        }
        hostOf.delete(key);
        set((s) => ({ buses: s.buses.filter((b) => b.key !== key) }));
      },

      scan,

      readRegister: (key, id, register) => api(key).read(key, id, register),
      writeRegister: (key, id, register, value) => api(key).write(key, id, register, value),
      simulate: (key, command) => api(key).simulate(key, command),

      dismissProblem(id) {
        set((s) => ({ problems: s.problems.filter((p) => p.id !== id) }));
      },
    };
  });

  const onEvent = (e: RigEvent) => {
    if (e.kind === "reconnected") {
      store.setState((s) => ({ buses: s.buses.map((b) => (b.key === e.key ? { ...b, status: "connected" as const } : b)) }));
    }
    if (e.kind === "lost") {
      store.setState((s) => ({ buses: s.buses.map((b) => (b.key === e.key ? { ...b, status: "lost" as const } : b)) }));
      store.setState((s) => ({ problems: [...s.problems, { id: problemIds++, severity: "error", message: e.message }] }));
    }
  };
  backends.worker?.onEvent(onEvent);
  backends.onInlineEvent?.(onEvent);
  return store;
}
