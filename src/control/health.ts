import type { ArmDefinition } from "../core/robots.ts";
import type { MotorBytes, MotorReading } from "../hardware/index.ts";
import { PROTOCOL_FAMILIES } from "../protocol/models.ts";
import { decodeValue } from "../protocol/values.ts";

/** Servo protection thresholds (STS3215/XL330 limit 70 °C; lerobot keeps the factory limits). */
export const HEALTH_LIMITS = {
  warnTemperatureC: 55,
  stopTemperatureC: 65,
  /** Feetech Present_Load is 0.1 % of max torque: warn above 80 %, stop after a second above 95 %. */
  warnLoadPct: 80,
  stopLoadPct: 95,
  stopLoadMs: 1000,
  minVoltageV: 4.5,
  maxVoltageV: 13,
} as const;

export interface MotorHealth {
  readonly temperatureC: number;
  readonly voltageV: number;
  /** % of max torque (Feetech) or mA (Dynamixel). */
  readonly load: number;
  /** Torque_Enable as last read back (about every 100 ms while the loop runs); undefined until read or when the read failed. */
  readonly torque?: boolean | undefined;
}

/** How often a running loop reads the follower's Torque_Enable back (ms on the loop's clock). */
export const TORQUE_CHECK_MS = 100;

/** The loop's reason to stop when motors answered that their torque is off (undefined: every answer says on). */
export function torqueLost(arm: ArmDefinition, torque: readonly (boolean | undefined)[]): string | undefined {
  const off = arm.motors.filter((_, i) => torque[i] === false).map((m) => m.name);
  if (off.length === 0) return undefined;
  return (
    `${arm.label} lost torque (${off.join(", ")}): something turned it off, or a motor cut it to protect itself. ` +
    "Teleoperation stopped; check the arm and its power, then start again"
  );
}

/** The register span that covers position, temperature, voltage and load: one SYNC READ per tick. */
export function healthSpan(arm: ArmDefinition): { start: number; length: number } {
  const fam = PROTOCOL_FAMILIES[arm.protocol];
  const t = fam.telemetry;
  const regs = [t.position, t.temperature, t.voltage, t.load].map((n) => fam.table[n]!);
  const start = Math.min(...regs.map((r) => r.address));
  const end = Math.max(...regs.map((r) => r.address + r.size));
  return { start, length: end - start };
}

/** Decodes a health span read: raw positions into `positions` (NaN where missing), health per motor. */
export function decodeHealthSpan(
  arm: ArmDefinition,
  start: number,
  raw: readonly MotorBytes[],
  positions: Float64Array,
): { readings: MotorReading[]; health: MotorHealth[] } {
  const fam = PROTOCOL_FAMILIES[arm.protocol];
  const t = fam.telemetry;
  const [pos, temp, volt, load] = [t.position, t.temperature, t.voltage, t.load].map((n) => fam.table[n]!) as [
    NonNullable<(typeof fam.table)[string]>,
    NonNullable<(typeof fam.table)[string]>,
    NonNullable<(typeof fam.table)[string]>,
    NonNullable<(typeof fam.table)[string]>,
  ];
  positions.fill(NaN);
  const health: MotorHealth[] = [];
  const readings: MotorReading[] = raw.map((r, i) => {
    if (!r.ok) {
      health.push({ temperatureC: NaN, voltageV: NaN, load: NaN });
      return r;
    }
    const v = (reg: typeof pos) => decodeValue(reg, r.data, reg.address - start);
    positions[i] = v(pos);
    health.push({ temperatureC: v(temp), voltageV: v(volt) * fam.units.voltage, load: v(load) * fam.units.loadScale });
    return { id: r.id, ok: true, value: v(pos), conditions: r.conditions };
  });
  return { readings, health };
}

/**
 * Warnings for the user and, when a motor must be protected, the reason to stop. Keeps how long
 * each motor has been overloaded (times on the loop's clock).
 */
export class HealthMonitor {
  private readonly overloadSince = new Map<number, number>();

  constructor(private readonly arm: ArmDefinition) {}

  check(health: readonly MotorHealth[], now: number): { warnings: string[]; stop: string | undefined } {
    const L = HEALTH_LIMITS;
    const warnings: string[] = [];
    const feetech = this.arm.protocol === "feetech";
    for (let i = 0; i < health.length; i++) {
      const h = health[i]!;
      const name = this.arm.motors[i]!.name;
      if (h.temperatureC >= L.stopTemperatureC) {
        return { warnings, stop: `${name} reached ${h.temperatureC} °C (stop at ${L.stopTemperatureC} °C): let it cool down` };
      }
      if (h.temperatureC >= L.warnTemperatureC) warnings.push(`${name} at ${h.temperatureC} °C`);
      if (h.voltageV < L.minVoltageV || h.voltageV > L.maxVoltageV) warnings.push(`${name} supply ${h.voltageV.toFixed(1)} V`);
      if (feetech && Math.abs(h.load) >= L.warnLoadPct) warnings.push(`${name} load ${Math.abs(h.load).toFixed(0)} %`);
      if (feetech && Math.abs(h.load) >= L.stopLoadPct) {
        const since = this.overloadSince.get(i) ?? now;
        this.overloadSince.set(i, since);
        if (now - since >= L.stopLoadMs) {
          return { warnings, stop: `${name} pushed at ${Math.abs(h.load).toFixed(0)} % load for a second: it is blocked or at its limit` };
        }
      } else {
        this.overloadSince.delete(i);
      }
    }
    return { warnings, stop: undefined };
  }
}
