import type { MotorModel, ProtocolFamily } from "../../protocol/models.ts";
import type { RegisterDef } from "../../protocol/types.ts";
import { decodeValue, readLE, toRaw, writeLE } from "../../protocol/values.ts";

/**
 * Something that moves a servo's horn while its torque is off: a hand, or the leader
 * script. Returns the horn position (raw steps), or undefined when not touching it.
 */
export type PositionDriver = (timeMs: number) => number | undefined;

export interface SimulatedServoOptions {
  readonly family: ProtocolFamily;
  readonly model: MotorModel;
  readonly id: number;
  /** Baud index written in the Baud_Rate register (default: the family's 1 Mbaud index). */
  readonly baudIndex?: number;
  /** Initial horn position, raw encoder steps (default: mid-range). */
  readonly position?: number;
  /** Return_Delay_Time register value (×2 µs), default 0 as after lerobot's configure. */
  readonly returnDelay?: number;
  /** Supply voltage, volts. */
  readonly supplyVolts?: number;
  readonly ambientC?: number;
}

/** Status error values the simulator can answer with. */
export const DXL_ERROR = { resultFail: 1, instruction: 2, crc: 3, range: 4, length: 5, limit: 6, access: 7 } as const;

const MEMORY_SIZE = 256;

/**
 * One simulated servo: a control table in memory plus simple motor dynamics.
 * With torque on, the horn follows Goal_Position with speed and acceleration limits;
 * with torque off it stays put or follows an external driver (the leader script).
 * Time is passed in (ms on one monotonic clock), so the model itself has no timers.
 */
export class SimulatedServo {
  readonly memory = new Uint8Array(MEMORY_SIZE);
  readonly family: ProtocolFamily;
  readonly model: MotorModel;
  /** Horn position in raw encoder steps, before the homing offset (unwrapped). */
  actual: number;
  velocity = 0;
  temperatureC: number;
  /** Error bits OR-ed into every status reply (fault injection: overload, overheat, voltage…). */
  injectedError = 0;
  driver: PositionDriver | undefined;
  private lastTime: number | undefined;
  private registered: { address: number; data: Uint8Array } | undefined;
  private readonly supplyVolts: number;
  private readonly ambientC: number;
  private load = 0;

  constructor(opts: SimulatedServoOptions) {
    this.family = opts.family;
    this.model = opts.model;
    this.actual = opts.position ?? opts.model.resolution / 2;
    this.supplyVolts = opts.supplyVolts ?? (opts.family.id === "feetech" ? 7.4 : 5.0);
    this.ambientC = opts.ambientC ?? 26;
    this.temperatureC = this.ambientC;
    this.factoryDefaults(opts);
  }

  private reg(name: string): RegisterDef {
    const r = this.family.table[name];
    if (r === undefined) throw new RangeError(`No register ${name}`);
    return r;
  }

  private has(name: string): boolean {
    return this.family.table[name] !== undefined;
  }

  get(name: string): number {
    const r = this.reg(name);
    return decodeValue(r, this.memory, r.address);
  }

  set(name: string, value: number): void {
    const r = this.reg(name);
    writeLE(this.memory, r.address, r.size, toRaw(r, value, name));
  }

  private factoryDefaults(opts: SimulatedServoOptions): void {
    const fe = this.family.id === "feetech";
    const defaults: Record<string, number> = fe
      ? {
          Firmware_Major_Version: 3,
          Firmware_Minor_Version: 10,
          Model_Number: opts.model.modelNumber,
          ID: opts.id,
          Baud_Rate: opts.baudIndex ?? 0,
          Return_Delay_Time: opts.returnDelay ?? 0,
          Response_Status_Level: 1,
          Min_Position_Limit: 0,
          Max_Position_Limit: 4095,
          Max_Temperature_Limit: 70,
          Max_Voltage_Limit: 80,
          Min_Voltage_Limit: 40,
          Max_Torque_Limit: 1000,
          P_Coefficient: 32,
          D_Coefficient: 32,
          Protection_Current: 500,
          Overload_Torque: 80,
          Torque_Limit: 1000,
          Maximum_Acceleration: 254,
        }
      : {
          Model_Number: opts.model.modelNumber,
          Firmware_Version: 52,
          ID: opts.id,
          Baud_Rate: opts.baudIndex ?? 3,
          Return_Delay_Time: opts.returnDelay ?? 0,
          Operating_Mode: 3,
          Temperature_Limit: 70,
          Max_Voltage_Limit: 140,
          Min_Voltage_Limit: 35,
          PWM_Limit: 885,
          Velocity_Limit: 445,
          Max_Position_Limit: 4095,
          Min_Position_Limit: 0,
          Status_Return_Level: 2,
          Position_P_Gain: 400,
          Position_D_Gain: 0,
        };
    for (const [name, v] of Object.entries(defaults)) this.set(name, v);
    this.set("Goal_Position", this.presentFromActual(this.actual));
    this.refreshPresent();
  }

  get id(): number {
    return this.get("ID");
  }

  get baudRate(): number | undefined {
    return this.family.baudRates[this.get("Baud_Rate")];
  }

  /** Reply delay in µs (Return_Delay_Time × 2 µs). */
  get returnDelayUs(): number {
    return this.get("Return_Delay_Time") * 2;
  }

  get torqueOn(): boolean {
    return this.get("Torque_Enable") !== 0;
  }

  /** Status replies: Feetech only when Response_Status_Level ≥ 1 (READ/PING always). */
  repliesToWrites(): boolean {
    return this.family.id === "feetech" ? this.get("Response_Status_Level") >= 1 : this.get("Status_Return_Level") >= 2;
  }

  private homing(): number {
    return this.get("Homing_Offset");
  }

  /** Feetech: Present = Actual − Offset; Dynamixel: Present = Actual + Offset. */
  presentFromActual(actual: number): number {
    const res = this.model.resolution;
    const p = this.family.id === "feetech" ? actual - this.homing() : actual + this.homing();
    const wraps = this.family.id === "feetech" || this.get("Operating_Mode") === 3;
    const rounded = Math.round(p);
    return wraps ? ((rounded % res) + res) % res : rounded;
  }

  private actualFromPresent(present: number): number {
    const target = this.family.id === "feetech" ? present + this.homing() : present - this.homing();
    if (this.family.id === "dynamixel" && this.get("Operating_Mode") !== 3) return target;
    // Single-turn position mode: the controller works on the 0..resolution-1 reading and
    // never crosses the wrap, so a goal of 100 from 4000 travels the long way.
    const res = this.model.resolution;
    const unwrapped = this.family.id === "feetech" ? this.actual - this.homing() : this.actual + this.homing();
    return this.actual + (present - (((unwrapped % res) + res) % res));
  }

  private limits(): { speed: number; accel: number } {
    if (this.family.id === "feetech") {
      const v = Math.abs(this.get("Goal_Velocity"));
      const a = this.get("Acceleration");
      return { speed: v > 0 ? Math.min(v, this.model.maxSpeed) : this.model.maxSpeed, accel: a > 0 ? a * 100 : this.model.maxAcceleration };
    }
    const pv = this.get("Profile_Velocity");
    const pa = this.get("Profile_Acceleration");
    return {
      speed: pv > 0 ? Math.min(this.model.maxSpeed, (pv * 0.229 * 4096) / 60) : this.model.maxSpeed,
      accel: pa > 0 ? (pa * 214.577 * 4096) / 3600 : this.model.maxAcceleration,
    };
  }

  private goalActual(): number {
    let goal = this.get("Goal_Position");
    const min = this.get("Min_Position_Limit");
    const max = this.get("Max_Position_Limit");
    if (max > min) goal = Math.min(max, Math.max(min, goal));
    return this.actualFromPresent(goal);
  }

  /** Advance the physics to `now` (ms). */
  advance(now: number): void {
    const last = this.lastTime ?? now;
    this.lastTime = now;
    let dt = (now - last) / 1000;
    if (dt <= 0) return;
    if (!this.torqueOn) {
      const next = this.driver?.(now);
      if (next !== undefined) {
        this.velocity = (next - this.actual) / dt;
        this.actual = next;
      } else {
        this.velocity = 0;
      }
      this.load = 0;
    } else {
      const goal = this.goalActual();
      const { speed, accel } = this.limits();
      while (dt > 0) {
        const h = Math.min(dt, 0.002);
        dt -= h;
        const err = goal - this.actual;
        const vDesired = Math.sign(err) * Math.min(speed, Math.sqrt(2 * accel * Math.abs(err)));
        const dv = Math.max(-accel * h, Math.min(accel * h, vDesired - this.velocity));
        this.velocity += dv;
        const step = this.velocity * h;
        if (Math.abs(step) >= Math.abs(err) && Math.sign(step) === Math.sign(err)) {
          this.actual = goal;
          this.velocity = 0;
        } else {
          this.actual += step;
        }
      }
      const err = goal - this.actual;
      this.load = Math.max(-1000, Math.min(1000, Math.round(err * 1.5 + this.velocity * 0.05)));
    }
    // First-order thermal model: heats with load, relaxes to ambient (τ ≈ 2 min).
    const target = this.ambientC + Math.abs(this.load) / 40;
    this.temperatureC += (target - this.temperatureC) * Math.min(1, (now - last) / 120_000);
    this.refreshPresent();
  }

  private refreshPresent(): void {
    const moving = Math.abs(this.velocity) > 1 ? 1 : 0;
    const volts = this.supplyVolts - Math.abs(this.load) / 5000;
    this.set("Present_Position", this.presentFromActual(this.actual));
    // Feetech reports steps/s; Dynamixel units of 0.229 rev/min.
    const velocity = this.family.id === "feetech" ? this.velocity : (this.velocity * 60) / 4096 / 0.229;
    this.set("Present_Velocity", Math.round(Math.max(-30000, Math.min(30000, velocity))));
    this.set("Present_Temperature", Math.round(this.temperatureC));
    this.set("Moving", moving);
    if (this.family.id === "feetech") {
      this.set("Present_Load", Math.round(this.load));
      this.set("Present_Voltage", Math.round(volts * 10));
      this.set("Present_Current", Math.round(Math.abs(this.load) / 4));
      this.set("Status", this.injectedError & 0x2f);
    } else {
      this.set("Present_Current", Math.round(this.load / 2));
      this.set("Present_Input_Voltage", Math.round(volts * 10));
      this.set("Realtime_Tick", Math.floor(this.lastTime ?? 0) % 32768);
      this.set("Hardware_Error_Status", this.injectedError & 0x80 ? 0x04 : 0);
    }
  }

  /** Read `length` bytes at `address`; undefined when the range is outside the table. */
  read(address: number, length: number, now: number): Uint8Array | undefined {
    if (address + length > MEMORY_SIZE || length === 0) return undefined;
    this.advance(now);
    return this.memory.slice(address, address + length);
  }

  /**
   * Write bytes; returns a protocol error value or 0. Dynamixel refuses EEPROM writes
   * with torque on and writes to read-only registers (access error).
   */
  write(address: number, data: Uint8Array, now: number): number {
    if (address + data.length > MEMORY_SIZE || data.length === 0) {
      return this.family.id === "dynamixel" ? DXL_ERROR.range : 0;
    }
    this.advance(now);
    const touched = Object.values(this.family.table).filter((r) => r.address < address + data.length && address < r.address + r.size);
    if (this.family.id === "dynamixel") {
      if (touched.some((r) => r.access === "r")) return DXL_ERROR.access;
      if (this.torqueOn && touched.some((r) => r.area === "eeprom")) return DXL_ERROR.access;
    }
    const wasOn = this.torqueOn;
    for (let i = 0; i < data.length; i++) {
      const a = address + i;
      // Read-only registers keep their value (Feetech ignores such writes).
      if (touched.some((r) => r.access === "r" && a >= r.address && a < r.address + r.size)) continue;
      this.memory[a] = data[i] ?? 0;
    }
    if (!wasOn && this.torqueOn) {
      // Taking torque: hold where the horn is unless a goal was written with it.
      const goalReg = this.reg("Goal_Position");
      if (!(address <= goalReg.address && goalReg.address < address + data.length)) {
        this.set("Goal_Position", this.presentFromActual(this.actual));
      }
      this.velocity = 0;
    }
    return 0;
  }

  regWrite(address: number, data: Uint8Array): number {
    if (address + data.length > MEMORY_SIZE) return this.family.id === "dynamixel" ? DXL_ERROR.range : 0;
    this.registered = { address, data: data.slice() };
    if (this.has("Registered_Instruction")) this.set("Registered_Instruction", 1);
    return 0;
  }

  action(now: number): void {
    const r = this.registered;
    this.registered = undefined;
    if (this.has("Registered_Instruction")) this.set("Registered_Instruction", 0);
    if (r) this.write(r.address, r.data, now);
  }

  reboot(now: number): void {
    this.advance(now);
    this.set("Torque_Enable", 0);
    this.injectedError = 0;
    this.velocity = 0;
  }

  /** Raw little-endian word at an address (test helper). */
  peek(address: number, size: number): number {
    return readLE(this.memory, address, size);
  }
}
