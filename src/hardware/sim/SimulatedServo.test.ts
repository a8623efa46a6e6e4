import { describe, expect, it } from "vitest";
import { DYNAMIXEL, FEETECH, MOTOR_MODELS, type MotorModel, type ProtocolFamily } from "../../protocol/models.ts";
import { encodeValue } from "../../protocol/values.ts";
import { SimulatedBus } from "./SimulatedBus.ts";
import { DXL_ERROR, SimulatedServo, type SimulatedServoOptions } from "./SimulatedServo.ts";

/**
 * Pure model tests: every call passes its own time (ms), no timers.
 * Feetech: Present_Position = Actual − Homing_Offset; Dynamixel: Present = Actual + Homing_Offset.
 */

const STS = MOTOR_MODELS.sts3215;
const XL430 = MOTOR_MODELS["xl430-w250"];

function servo(family: ProtocolFamily, model: MotorModel, extra: Partial<SimulatedServoOptions> = {}): SimulatedServo {
  return new SimulatedServo({ family, model, id: 1, position: 2048, ...extra });
}

/** Register bytes of a value, for `write`. */
function bytes(s: SimulatedServo, name: string, value: number): Uint8Array {
  const r = s.family.table[name];
  if (r === undefined) throw new RangeError(name);
  return encodeValue(r, value, name);
}

function addr(s: SimulatedServo, name: string): number {
  const r = s.family.table[name];
  if (r === undefined) throw new RangeError(name);
  return r.address;
}

/** Write a register by name through the servo's own write path; returns the error value. */
function w(s: SimulatedServo, name: string, value: number, now: number): number {
  return s.write(addr(s, name), bytes(s, name, value), now);
}

/** Read a register by name through the servo's read path (advances physics to `now`). */
function r(s: SimulatedServo, name: string, now: number): number {
  const reg = s.family.table[name];
  if (reg === undefined) throw new RangeError(name);
  expect(s.read(reg.address, reg.size, now)).toBeDefined();
  return s.get(name);
}

/** Run the physics from `from` to `to` in `stepMs` steps, sampling `actual` after each. */
function run(s: SimulatedServo, from: number, to: number, stepMs = 1): number[] {
  const samples: number[] = [];
  for (let t = from; t <= to + 1e-9; t += stepMs) {
    s.advance(t);
    samples.push(s.actual);
  }
  return samples;
}

describe("SimulatedServo motion (torque on)", () => {
  for (const [label, family, model] of [
    ["feetech sts3215", FEETECH, STS],
    ["dynamixel xl430-w250", DYNAMIXEL, XL430],
  ] as const) {
    it(`${label}: approaches a goal 1000 steps away monotonically, within the speed limit, without overshoot`, () => {
      const s = servo(family, model);
      expect(w(s, "Torque_Enable", 1, 0)).toBe(0);
      expect(w(s, "Goal_Position", 3048, 0)).toBe(0);
      const samples = run(s, 0, 2000, 1);
      let prev = 2048;
      for (const p of samples) {
        expect(p).toBeGreaterThanOrEqual(prev - 1e-9);
        expect(p).toBeLessThanOrEqual(3048 + 1e-9);
        prev = p;
      }
      // Never faster than the no-load speed: at 100 ms it has moved at most maxSpeed × 0.1 s.
      const at100 = samples[100]!;
      expect(at100 - 2048).toBeLessThanOrEqual(model.maxSpeed * 0.1 + 1);
      // Reaching the goal takes at least distance / maxSpeed.
      const arrivedAt = samples.findIndex((p) => Math.abs(p - 3048) < 0.5);
      expect(arrivedAt).toBeGreaterThan(0);
      expect(arrivedAt / 1000).toBeGreaterThanOrEqual(1000 / model.maxSpeed - 0.002);
      // It arrives and stays.
      expect(s.actual).toBeCloseTo(3048, 6);
      expect(s.get("Present_Position")).toBe(3048);
      expect(s.get("Moving")).toBe(0);
    });

    it(`${label}: speed never exceeds maxSpeed, sampled every ms`, () => {
      const s = servo(family, model, { position: 100 });
      w(s, "Torque_Enable", 1, 0);
      w(s, "Goal_Position", 4000, 0);
      const samples = run(s, 0, 2000, 1);
      for (let i = 1; i < samples.length; i++) {
        expect(samples[i]! - samples[i - 1]!).toBeLessThanOrEqual(model.maxSpeed / 1000 + 1e-6);
      }
    });
  }

  it("feetech: a nonzero Goal_Velocity lowers the speed", () => {
    const s = servo(FEETECH, STS);
    w(s, "Torque_Enable", 1, 0);
    w(s, "Goal_Velocity", 500, 0);
    w(s, "Goal_Position", 3048, 0);
    const samples = run(s, 0, 3000, 1);
    // After 0.5 s at ≤ 500 steps/s: at most 250 steps.
    expect(samples[500]! - 2048).toBeLessThanOrEqual(500 * 0.5 + 1);
    expect(samples[500]! - 2048).toBeGreaterThan(200);
    for (let i = 1; i < samples.length; i++) expect(samples[i]! - samples[i - 1]!).toBeLessThanOrEqual(0.5 + 1e-6);
    // 1000 steps at 500 steps/s: not there before 2 s, there by 3 s.
    expect(samples[1990]!).toBeLessThan(3048);
    expect(s.actual).toBeCloseTo(3048, 6);
  });

  it("feetech: the Acceleration register limits acceleration (×100 steps/s²)", () => {
    const s = servo(FEETECH, STS);
    w(s, "Torque_Enable", 1, 0);
    w(s, "Acceleration", 10, 0); // 1000 steps/s²
    w(s, "Goal_Position", 3048, 0);
    const samples = run(s, 0, 200, 1);
    // From rest, x ≤ ½·a·t²: 5 steps after 100 ms, 20 steps after 200 ms.
    expect(samples[100]! - 2048).toBeLessThanOrEqual(0.5 * 1000 * 0.1 ** 2 + 0.5);
    expect(samples[200]! - 2048).toBeLessThanOrEqual(0.5 * 1000 * 0.2 ** 2 + 0.5);
    expect(samples[200]! - 2048).toBeGreaterThan(10);
    // Without the register (0 = model maximum) the same 100 ms covers far more.
    const fast = servo(FEETECH, STS);
    w(fast, "Torque_Enable", 1, 0);
    w(fast, "Goal_Position", 3048, 0);
    expect(run(fast, 0, 100, 1)[100]! - 2048).toBeGreaterThan(100);
  });

  it("feetech: a Goal_Velocity above the model's no-load speed is still capped at maxSpeed (as Dynamixel's Profile_Velocity is)", () => {
    // BUG (sim): SimulatedServo.limits() uses Goal_Velocity as-is on Feetech, so the horn
    // can move faster than the motor's no-load speed; the Dynamixel branch caps with min().
    const s = servo(FEETECH, STS);
    w(s, "Torque_Enable", 1, 0);
    w(s, "Goal_Velocity", 10_000, 0);
    w(s, "Goal_Position", 3048, 0);
    const samples = run(s, 0, 1000, 1);
    const fastest = Math.max(...samples.slice(1).map((p, i) => p - samples[i]!));
    expect(fastest).toBeLessThanOrEqual(STS.maxSpeed / 1000 + 1e-6);
  });

  it("dynamixel: Profile_Velocity (×0.229 rev/min) lowers the speed", () => {
    const s = servo(DYNAMIXEL, XL430);
    w(s, "Torque_Enable", 1, 0);
    w(s, "Profile_Velocity", 32, 0); // 32 × 0.229 rev/min ≈ 500 steps/s
    w(s, "Goal_Position", 3048, 0);
    const samples = run(s, 0, 600, 1);
    const limit = (32 * 0.229 * 4096) / 60;
    expect(samples[500]! - 2048).toBeLessThanOrEqual(limit * 0.5 + 1);
    expect(samples[500]! - 2048).toBeGreaterThan(limit * 0.5 * 0.8);
  });

  it("dynamixel: Present_Velocity is reported in its register unit (×0.229 rev/min), not steps/s", () => {
    // BUG (sim): refreshPresent writes the velocity in steps/s into Present_Velocity on both
    // families; on Dynamixel the register unit is 0.229 rev/min (limits() already converts
    // Profile_Velocity from that unit). Cruising at Profile_Velocity = 32 must read ≈ 32.
    const s = servo(DYNAMIXEL, XL430);
    w(s, "Torque_Enable", 1, 0);
    w(s, "Profile_Velocity", 32, 0);
    w(s, "Goal_Position", 3048, 0);
    run(s, 0, 500, 1);
    expect(Math.abs(s.get("Present_Velocity") - 32)).toBeLessThanOrEqual(1);
  });

  it("feetech: Present_Velocity reads steps/s while cruising", () => {
    const s = servo(FEETECH, STS);
    w(s, "Torque_Enable", 1, 0);
    w(s, "Goal_Velocity", 500, 0);
    w(s, "Goal_Position", 3048, 0);
    run(s, 0, 500, 1);
    expect(Math.abs(s.get("Present_Velocity") - 500)).toBeLessThanOrEqual(1);
    expect(s.get("Moving")).toBe(1);
  });

  it("moves the other way, and clamps the goal to Min/Max_Position_Limit", () => {
    for (const [family, model] of [
      [FEETECH, STS],
      [DYNAMIXEL, XL430],
    ] as const) {
      const s = servo(family, model);
      w(s, "Min_Position_Limit", 1000, 0);
      w(s, "Max_Position_Limit", 3000, 0);
      w(s, "Torque_Enable", 1, 0);
      w(s, "Goal_Position", 3500, 0);
      run(s, 0, 1500, 5);
      expect(s.get("Present_Position")).toBe(3000);
      w(s, "Goal_Position", 200, 1500);
      run(s, 1500, 3500, 5);
      expect(s.get("Present_Position")).toBe(1000);
      // The register keeps the value written; only the motion is clamped.
      expect(s.get("Goal_Position")).toBe(200);
    }
  });

  it("taking torque holds the horn where it is", () => {
    const s = servo(FEETECH, STS, { position: 1234 });
    s.set("Goal_Position", 3000); // stale goal from before
    w(s, "Torque_Enable", 1, 0);
    run(s, 0, 500, 5);
    expect(s.actual).toBeCloseTo(1234, 6);
    expect(s.get("Goal_Position")).toBe(1234);
  });
});

describe("SimulatedServo with torque off", () => {
  it("follows a driver function (the leader's hand)", () => {
    const s = servo(FEETECH, STS);
    s.driver = (t) => 1000 + t / 2;
    s.advance(0);
    for (let t = 10; t <= 1000; t += 10) {
      expect(r(s, "Present_Position", t)).toBe(Math.round(1000 + t / 2));
      expect(s.actual).toBeCloseTo(1000 + t / 2, 6);
    }
    expect(s.get("Present_Velocity")).toBe(500);
  });

  it("stays put without a driver", () => {
    const s = servo(DYNAMIXEL, XL430, { position: 1500 });
    s.set("Goal_Position", 3000);
    run(s, 0, 5000, 50);
    expect(s.actual).toBeCloseTo(1500, 6);
    expect(s.get("Present_Position")).toBe(1500);
    expect(s.get("Present_Velocity")).toBe(0);
    expect(s.get("Moving")).toBe(0);
  });

  it("ignores the driver once torque is on", () => {
    const s = servo(FEETECH, STS);
    s.driver = (t) => 2048 + t;
    s.advance(0);
    s.advance(100);
    expect(s.actual).toBeCloseTo(2148, 6);
    w(s, "Torque_Enable", 1, 100);
    run(s, 100, 600, 10);
    expect(s.actual).toBeCloseTo(2148, 6);
  });
});

describe("SimulatedServo homing offset", () => {
  it("feetech: Present = Actual − Homing_Offset, wrapping into 0..4095", () => {
    const s = servo(FEETECH, STS, { position: 2500 });
    expect(w(s, "Homing_Offset", 400, 0)).toBe(0);
    expect(r(s, "Present_Position", 1)).toBe(2100);
    w(s, "Homing_Offset", -400, 1);
    expect(r(s, "Present_Position", 2)).toBe(2900);
    // Wrap below 0 and above 4095.
    s.actual = 100;
    w(s, "Homing_Offset", 300, 2);
    expect(r(s, "Present_Position", 3)).toBe(4096 - 200);
    s.actual = 4000;
    w(s, "Homing_Offset", -200, 3);
    expect(r(s, "Present_Position", 4)).toBe(104);
    // Raw register: sign-magnitude with the sign in bit 11.
    expect(s.peek(addr(s, "Homing_Offset"), 2)).toBe(0x800 | 200);
  });

  it("feetech: a goal is in present coordinates (the horn goes to goal + offset)", () => {
    const s = servo(FEETECH, STS, { position: 2100 });
    w(s, "Homing_Offset", 100, 0);
    w(s, "Torque_Enable", 1, 0);
    w(s, "Goal_Position", 1500, 0);
    run(s, 0, 1000, 5);
    expect(s.actual).toBeCloseTo(1600, 6);
    expect(s.get("Present_Position")).toBe(1500);
  });

  it("dynamixel: Present = Actual + Homing_Offset", () => {
    const s = servo(DYNAMIXEL, XL430, { position: 2500 });
    expect(w(s, "Homing_Offset", 400, 0)).toBe(0);
    expect(r(s, "Present_Position", 1)).toBe(2900);
    w(s, "Homing_Offset", -400, 1);
    expect(r(s, "Present_Position", 2)).toBe(2100);
    // Two's complement over 4 bytes.
    expect(s.peek(addr(s, "Homing_Offset"), 4)).toBe(2 ** 32 - 400);
  });

  it("dynamixel: a goal is in present coordinates (the horn goes to goal − offset)", () => {
    const s = servo(DYNAMIXEL, XL430, { position: 2100 });
    w(s, "Homing_Offset", 100, 0);
    w(s, "Torque_Enable", 1, 0);
    w(s, "Goal_Position", 1500, 0);
    run(s, 0, 1000, 5);
    expect(s.actual).toBeCloseTo(1400, 6);
    expect(s.get("Present_Position")).toBe(1500);
  });
});

describe("SimulatedServo register access", () => {
  it("dynamixel: EEPROM writes with torque on are refused with the access error and change nothing", () => {
    const s = servo(DYNAMIXEL, XL430);
    w(s, "Torque_Enable", 1, 0);
    const before = s.memory.slice();
    expect(w(s, "Operating_Mode", 4, 1)).toBe(DXL_ERROR.access);
    expect(w(s, "ID", 9, 1)).toBe(DXL_ERROR.access);
    expect(w(s, "Homing_Offset", 10, 1)).toBe(DXL_ERROR.access);
    expect(DXL_ERROR.access).toBe(7);
    expect(s.get("Operating_Mode")).toBe(3);
    expect(s.get("ID")).toBe(1);
    expect(s.get("Homing_Offset")).toBe(0);
    // Only the time-driven registers may differ.
    expect(s.memory.slice(0, 64)).toEqual(before.slice(0, 64));
  });

  it("dynamixel: writing a read-only register is an access error, torque on or off", () => {
    const s = servo(DYNAMIXEL, XL430);
    expect(w(s, "Present_Position", 100, 0)).toBe(DXL_ERROR.access);
    expect(s.get("Present_Position")).toBe(2048);
    expect(w(s, "Model_Number", 1, 0)).toBe(DXL_ERROR.access);
    expect(s.get("Model_Number")).toBe(XL430.modelNumber);
    w(s, "Torque_Enable", 1, 0);
    expect(w(s, "Present_Position", 100, 0)).toBe(DXL_ERROR.access);
    expect(s.get("Present_Position")).toBe(2048);
  });

  it("dynamixel: EEPROM writes succeed with torque off", () => {
    const s = servo(DYNAMIXEL, XL430);
    expect(w(s, "Operating_Mode", 4, 0)).toBe(0);
    expect(s.get("Operating_Mode")).toBe(4);
    expect(w(s, "ID", 9, 0)).toBe(0);
    expect(s.id).toBe(9);
    expect(w(s, "Baud_Rate", 1, 0)).toBe(0);
    expect(s.baudRate).toBe(57_600);
  });

  it("dynamixel: a write past the end of the table is a range error", () => {
    const s = servo(DYNAMIXEL, XL430);
    expect(s.write(255, Uint8Array.of(1, 2), 0)).toBe(DXL_ERROR.range);
    expect(s.read(255, 2, 0)).toBeUndefined();
  });

  it("feetech: a write to a read-only register leaves it unchanged", () => {
    const s = servo(FEETECH, STS);
    expect(w(s, "Present_Position", 100, 0)).toBe(0);
    expect(s.get("Present_Position")).toBe(2048);
    expect(w(s, "Model_Number", 1, 0)).toBe(0);
    expect(s.get("Model_Number")).toBe(777);
    // A write spanning Lock (rw, 55) and Present_Position (r, 56..57) writes only Lock.
    expect(s.write(55, Uint8Array.of(1, 0x10, 0x00), 0)).toBe(0);
    expect(s.get("Lock")).toBe(1);
    expect(s.get("Present_Position")).toBe(2048);
  });

  it("reg_write applies only at action", () => {
    for (const [family, model] of [
      [FEETECH, STS],
      [DYNAMIXEL, XL430],
    ] as const) {
      const s = servo(family, model);
      w(s, "Torque_Enable", 1, 0);
      expect(s.regWrite(addr(s, "Goal_Position"), bytes(s, "Goal_Position", 2500))).toBe(0);
      if (family === DYNAMIXEL) expect(s.get("Registered_Instruction")).toBe(1);
      run(s, 0, 500, 5);
      expect(s.get("Goal_Position")).toBe(2048);
      expect(s.actual).toBeCloseTo(2048, 6);
      s.action(500);
      expect(s.get("Goal_Position")).toBe(2500);
      if (family === DYNAMIXEL) expect(s.get("Registered_Instruction")).toBe(0);
      run(s, 500, 1500, 5);
      expect(s.actual).toBeCloseTo(2500, 6);
      // A second action has nothing registered.
      w(s, "Goal_Position", 2100, 1500);
      s.action(1500);
      expect(s.get("Goal_Position")).toBe(2100);
    }
  });
});

describe("SimulatedServo load and temperature", () => {
  it("stays at ambient temperature with no load, for a long time", () => {
    const s = servo(FEETECH, STS, { ambientC: 24 });
    w(s, "Torque_Enable", 1, 0);
    run(s, 0, 600_000, 1000);
    expect(s.get("Present_Temperature")).toBe(24);
    expect(s.get("Present_Load")).toBe(0);
    expect(s.get("Present_Current")).toBe(0);
    expect(s.get("Present_Voltage")).toBe(74);
  });

  it("has a nonzero load while moving", () => {
    for (const [family, model, loadReg] of [
      [FEETECH, STS, "Present_Load"],
      [DYNAMIXEL, XL430, "Present_Current"],
    ] as const) {
      const s = servo(family, model);
      w(s, "Torque_Enable", 1, 0);
      w(s, "Goal_Position", 3048, 0);
      run(s, 0, 50, 1);
      expect(s.get("Moving")).toBe(1);
      expect(Math.abs(s.get(loadReg))).toBeGreaterThan(0);
    }
  });

  it("heats up under sustained load and cools back to ambient", () => {
    const s = servo(FEETECH, STS, { ambientC: 25 });
    w(s, "Torque_Enable", 1, 0);
    // Keep it working: a new far goal every 300 ms for 5 simulated minutes.
    let t = 0;
    for (let k = 0; t < 300_000; k++) {
      w(s, "Goal_Position", k % 2 === 0 ? 3500 : 600, t);
      for (let i = 0; i < 30; i++) s.advance((t += 10));
    }
    const hot = s.get("Present_Temperature");
    expect(hot).toBeGreaterThan(25 + 3);
    expect(hot).toBeLessThanOrEqual(25 + 25);
    // Rest: back to ambient.
    run(s, t, t + 1_800_000, 1000);
    expect(s.get("Present_Temperature")).toBe(25);
  });
});

describe("SimulatedServo injected errors on the bus", () => {
  it("feetech: injectedError bits are OR-ed into every status reply and mirrored in Status", () => {
    const s = servo(FEETECH, STS);
    const bus = new SimulatedBus(FEETECH, [s]);
    s.injectedError = 0x20 | 0x04; // overload + overheat
    const codec = FEETECH.codec;
    const replies = bus.receive(codec.read(1, 56, 2), 1_000_000, 10);
    expect(replies).toHaveLength(1);
    const events = codec.createDecoder().push(replies[0]!.bytes);
    const frame = events[0]?.kind === "frame" ? events[0].frame : undefined;
    expect(frame).toBeDefined();
    const status = codec.parseStatus(frame!)!;
    expect(status.id).toBe(1);
    expect(status.error).toBe(0x24);
    expect(status.flags.conditions).toEqual(expect.arrayContaining(["overload", "overheat"]));
    expect(status.flags.rejections).toEqual([]);
    expect(status.data).toEqual(Uint8Array.of(0x00, 0x08));
    // Ping and write replies carry the bits too.
    const ping = bus.receive(codec.ping(1), 1_000_000, 11);
    const pingFrame = codec.createDecoder().push(ping[0]!.bytes)[0];
    expect(pingFrame?.kind === "frame" ? codec.parseStatus(pingFrame.frame)?.error : undefined).toBe(0x24);
    s.advance(12);
    expect(s.get("Status")).toBe(0x24);
  });

  it("dynamixel: injectedError bits (alert 0x80) appear in the status byte and Hardware_Error_Status", () => {
    const s = servo(DYNAMIXEL, XL430);
    const bus = new SimulatedBus(DYNAMIXEL, [s]);
    s.injectedError = 0x80;
    const codec = DYNAMIXEL.codec;
    const replies = bus.receive(codec.read(1, 132, 4), 1_000_000, 10);
    expect(replies).toHaveLength(1);
    const ev = codec.createDecoder().push(replies[0]!.bytes)[0];
    expect(ev?.kind).toBe("frame");
    const status = ev?.kind === "frame" ? codec.parseStatus(ev.frame) : undefined;
    expect(status?.error).toBe(0x80);
    expect(status?.flags.conditions).toContain("hardware_alert");
    expect(status?.flags.rejections).toEqual([]);
    expect(status?.data).toEqual(Uint8Array.of(0x00, 0x08, 0x00, 0x00));
    s.advance(11);
    expect(s.get("Hardware_Error_Status")).toBe(0x04);
    // Cleared by reboot.
    bus.receive(codec.reboot(1), 1_000_000, 20);
    expect(s.injectedError).toBe(0);
  });
});
