import type { Clock } from "../../core/clock.ts";
import { ARMS, type ArmId } from "../../core/robots.ts";
import { PROTOCOL_FAMILIES, type ProtocolFamily } from "../../protocol/models.ts";
import type { ProtocolId } from "../../protocol/types.ts";
import { decodeValue } from "../../protocol/values.ts";
import { isBusError } from "../errors.ts";
import { MotorBus } from "../MotorBus.ts";
import { realClock } from "../precisionTimer.ts";
import type { SerialPortLike } from "../SerialPortLike.ts";
import { createSimulatedArm, type SimulatedArm } from "../sim/simulatedArm.ts";
import { SimTransport } from "../sim/SimTransport.ts";
import { WebSerialTransport } from "../WebSerialTransport.ts";
import type {
  BusInfo,
  BusStatsInfo,
  ErrorInfo,
  MotorTelemetry,
  ReadingInfo,
  RigApi,
  RigEvent,
  SimCommand,
  SimConnectOptions,
  SimState,
} from "./types.ts";

interface Entry {
  readonly bus: MotorBus;
  readonly info: BusInfo;
  readonly sim: SimulatedArm | undefined;
}

const ERROR_CODES: readonly string[] = ["timeout", "corrupt", "servo_status", "device_lost", "port_open", "closed", "invalid"];

/**
 * An error as plain data, by name and code (so an error that crossed a worker boundary — a plain
 * Error carrying the original's name and code — reads the same as the original).
 */
export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && ERROR_CODES.includes(code))
      return { name: e.name, code: code as ErrorInfo["code"], message: e.message };
    if (isBusError(e)) return { name: e.name, code: e.code, message: e.message };
    if (e instanceof RangeError || e instanceof TypeError || e.name === "RangeError" || e.name === "TypeError")
      return { name: e.name, code: "invalid", message: e.message };
    return { name: e.name, code: "unknown", message: e.message };
  }
  return { name: "Error", code: "unknown", message: String(e) };
}

/**
 * All buses of a rig, in one place (a worker, or the main thread as a fallback).
 * Owns MotorBus instances and, for the simulated rig, the simulated arms.
 */
export class RigService implements RigApi {
  private readonly buses = new Map<string, Entry>();

  constructor(
    private readonly host: "worker" | "main",
    private readonly emit: (event: RigEvent) => void,
    readonly clock: Clock = realClock,
  ) {}

  private entry(key: string): Entry {
    const e = this.buses.get(key);
    if (e === undefined) throw new RangeError(`No bus "${key}" is connected.`);
    return e;
  }

  private describe(key: string, bus: MotorBus, simulated: boolean): BusInfo {
    const fam = bus.family;
    return {
      key,
      label: bus.transport.label,
      protocol: fam.id,
      protocolLabel: fam.label,
      baudRate: bus.baudRate,
      simulated,
      host: this.host,
      registers: Object.entries(fam.table).map(([name, r]) => ({
        name,
        address: r.address,
        size: r.size,
        access: r.access,
        area: r.area,
        doc: r.doc,
      })),
    };
  }

  private async add(key: string, bus: MotorBus, sim: SimulatedArm | undefined, baudRate: number): Promise<BusInfo> {
    if (this.buses.has(key)) await this.disconnect(key);
    await bus.open(baudRate);
    bus.onLost((e) => this.emit({ kind: "lost", key, message: e.message }));
    const info = this.describe(key, bus, sim !== undefined);
    this.buses.set(key, { bus, info, sim });
    return info;
  }

  async connectSim(key: string, arm: ArmId, options: SimConnectOptions = {}): Promise<BusInfo> {
    const def = ARMS[arm];
    // The script runs on performance.now(); align it with a shared wall-clock epoch so
    // leader and follower buses in different contexts agree on the motion.
    const scriptStartMs = options.scriptEpochMs === undefined ? this.clock.now() : options.scriptEpochMs - performance.timeOrigin;
    const sim = createSimulatedArm(def, {
      usbLatencyMs: options.usbLatencyMs ?? 1,
      chunking: true,
      seed: key.length * 7919 + 1,
      scriptStartMs,
      clock: this.clock,
      ...(options.calibrated === undefined ? {} : { calibrated: options.calibrated }),
      ...(options.setupBench === undefined ? {} : { setupBench: options.setupBench }),
    });
    const bus = new MotorBus(new SimTransport(sim.wire, `Simulated ${def.label}`), PROTOCOL_FAMILIES[def.protocol], { clock: this.clock });
    return this.add(key, bus, sim, options.baudRate ?? 1_000_000);
  }

  /** A real (or fake) Web Serial port; the caller obtained it from navigator.serial. */
  async connectPort(key: string, port: SerialPortLike, protocol: ProtocolId, baudRate: number): Promise<BusInfo> {
    const family: ProtocolFamily = PROTOCOL_FAMILIES[protocol];
    const bus = new MotorBus(new WebSerialTransport(port), family, { clock: this.clock });
    return this.add(key, bus, undefined, baudRate);
  }

  /** Whether a bus `key` runs here. */
  has(key: string): boolean {
    return this.buses.has(key);
  }

  /** The bus itself, for engines running beside the service (the control loop in the worker). */
  busOf(key: string): MotorBus {
    return this.entry(key).bus;
  }

  async disconnect(key: string): Promise<void> {
    const e = this.buses.get(key);
    if (!e) return;
    this.buses.delete(key);
    await e.bus.close();
  }

  async scan(key: string, baudRates?: readonly number[]) {
    return this.entry(key).bus.scan(baudRates);
  }

  async read(key: string, id: number, register: string): Promise<number> {
    return this.entry(key).bus.read(id, register);
  }

  async readBytes(key: string, id: number, address: number, length: number): Promise<number[]> {
    return Array.from(await this.entry(key).bus.readBytes(id, address, length));
  }

  async write(key: string, id: number, register: string, value: number): Promise<void> {
    await this.entry(key).bus.write(id, register, value);
  }

  async syncRead(key: string, register: string, ids: readonly number[]): Promise<ReadingInfo[]> {
    const readings = await this.entry(key).bus.syncRead(register, ids);
    return readings.map((r) => (r.ok ? r : { id: r.id, ok: false, error: toErrorInfo(r.error) }));
  }

  async syncWrite(key: string, register: string, entries: readonly (readonly [number, number])[]): Promise<void> {
    await this.entry(key).bus.syncWrite(register, entries);
  }

  /** The console's live view: one SYNC READ of the span covering every telemetry register. */
  async telemetry(key: string, ids: readonly number[]): Promise<MotorTelemetry[]> {
    const { bus } = this.entry(key);
    const fam = bus.family;
    const t = fam.telemetry;
    const names = [t.position, t.goal, t.torque, t.temperature, t.voltage, t.load];
    const regs = names.map((n) => bus.register(n));
    const start = Math.min(...regs.map((r) => r.address));
    const end = Math.max(...regs.map((r) => r.address + r.size));
    const raw = await bus.syncReadBytes(start, end - start, ids);
    const [pos, goal, torque, temp, volt, load] = regs as [
      (typeof regs)[0],
      (typeof regs)[0],
      (typeof regs)[0],
      (typeof regs)[0],
      (typeof regs)[0],
      (typeof regs)[0],
    ];
    return raw.map((r): MotorTelemetry => {
      if (!r.ok) return { id: r.id, ok: false, error: toErrorInfo(r.error) };
      const v = (reg: typeof pos) => decodeValue(reg, r.data, reg.address - start);
      return {
        id: r.id,
        ok: true,
        position: v(pos),
        goal: v(goal),
        torque: v(torque) !== 0,
        temperatureC: v(temp),
        voltageV: Math.round(v(volt) * fam.units.voltage * 10) / 10,
        load: v(load) * fam.units.loadScale,
        loadUnit: fam.units.load,
        conditions: r.conditions,
      };
    });
  }

  async stats(key: string): Promise<BusStatsInfo> {
    const { bus, sim } = this.entry(key);
    return {
      ...bus.stats,
      ...(sim ? { injectedCorrupt: sim.wire.injected.corrupted, injectedDropped: sim.wire.injected.dropped } : {}),
    };
  }

  async simulate(key: string, command: SimCommand): Promise<SimState> {
    const { sim } = this.entry(key);
    if (!sim) throw new RangeError(`Bus "${key}" is not simulated.`);
    await this.applySim(key, sim, command);
    const now = this.clock.now();
    return {
      hand: sim.hand.current,
      settled: sim.hand.settled(now),
      plugged: sim.servos.flatMap((s, i) => (sim.bus.servos.includes(s) ? [i] : [])),
    };
  }

  private async applySim(key: string, sim: SimulatedArm, command: SimCommand): Promise<void> {
    switch (command.kind) {
      case "hand":
        sim.setHand(command.mode, this.clock.now());
        return;
      case "reverse":
        if (command.reversed) sim.hand.reversed.add(command.joint);
        else sim.hand.reversed.delete(command.joint);
        return;
      case "plug_motor": {
        const servo = sim.servos[command.joint];
        if (!servo) throw new RangeError(`No simulated motor at joint ${command.joint}.`);
        sim.bus.attach(servo);
        return;
      }
      case "unplug_motors":
        for (const s of [...sim.bus.servos]) sim.bus.detach(s);
        return;
      case "faults": {
        const f = command.faults;
        if (f.corruptRate !== undefined) sim.wire.faults.corruptRate = f.corruptRate;
        if (f.dropRate !== undefined) sim.wire.faults.dropRate = f.dropRate;
        if (f.servoError) {
          const servo = sim.bus.servo(f.servoError.id);
          if (!servo) throw new RangeError(`No simulated motor with id ${f.servoError.id}.`);
          servo.injectedError = f.servoError.bits;
        }
        return;
      }
      case "unplug":
        sim.wire.unplug();
        return;
      case "plug": {
        sim.wire.plug();
        const { bus } = this.entry(key);
        if (bus.isLost || !bus.isOpen) {
          await bus.open(bus.baudRate);
          this.emit({ kind: "reconnected", key });
        }
        return;
      }
    }
  }
}
