import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import {
  CALIBRATION_MAX_BYTES,
  calibrationSizeError,
  type CalibrationTable,
  halfTurnHomingOffset,
  type MotorCalibration,
  normalize,
  parseCalibration,
  reviewSweep,
  serializeCalibration,
  unnormalize,
} from "./calibration.ts";
import { ARMS } from "./robots.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/calibration/${name}`, import.meta.url), "utf8");

describe("lerobot calibration file", () => {
  it.each([
    ["so101_follower.json", ARMS.so101_follower],
    ["koch_leader.json", ARMS.koch_leader],
  ] as const)("%s round-trips byte for byte", (file, arm) => {
    const text = fixture(file);
    const parsed = parseCalibration(text, arm);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(serializeCalibration(parsed.table)).toBe(text);
  });

  it("reads the values of each motor", () => {
    const parsed = parseCalibration(fixture("so101_follower.json"), ARMS.so101_follower);
    if (!parsed.ok) throw new Error(parsed.errors.join("\n"));
    expect(parsed.table["elbow_flex"]).toEqual({ id: 3, drive_mode: 0, homing_offset: -879, range_min: 820, range_max: 3051 });
    expect(Object.keys(parsed.table)).toEqual(["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"]);
  });

  const good = () => JSON.parse(fixture("so101_follower.json")) as Record<string, Record<string, unknown>>;
  const errorsOf = (data: unknown, arm = ARMS.so101_follower) => {
    const r = parseCalibration(typeof data === "string" ? data : JSON.stringify(data), arm);
    return r.ok ? [] : r.errors;
  };

  it("bounds: a huge file is refused unparsed, many motors before any per-motor work, long names and values echoed clipped", () => {
    const huge = JSON.stringify(Object.fromEntries(Array.from({ length: 200_000 }, (_, i) => [`motor_${i}`, {}])));
    const parse = vi.spyOn(JSON, "parse");
    expect(errorsOf(huge)).toEqual([expect.stringMatching(/^The file is \d+ KB; a calibration file is about 1 KB/)]);
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    expect(calibrationSizeError(CALIBRATION_MAX_BYTES)).toBeUndefined();
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`m${i}`, 0]));
    expect(errorsOf(many)).toEqual(["The file names 40 motors; SO-101 follower has 6. Choose the calibration file of this arm."]);
    const longName = { ...good(), ["n".repeat(30_000)]: {} };
    const longValue = good();
    longValue["gripper"]!["homing_offset"] = "v".repeat(30_000);
    const errors = [...errorsOf(longName), ...errorsOf(longValue)];
    expect(errors).toHaveLength(2);
    for (const e of errors) expect(e.length).toBeLessThan(300);
    expect(errors[1]).toMatch(/^"gripper.homing_offset": must be an integer, got "v+… \(\d+ more characters\)\.$/);
    // Many problems: the first ten, then how many more.
    const bad = Object.fromEntries(Object.entries(good()).map(([k, v]) => [k, { ...v, id: "x", drive_mode: "x", extra: 1 }]));
    const listed = errorsOf(bad);
    expect(listed).toHaveLength(11);
    expect(listed[10]).toMatch(/^…and \d+ more problems like these\.$/);
  });

  it("refuses bad files with a message naming the field", () => {
    expect(errorsOf("{not json")[0]).toMatch(/not valid JSON/);
    expect(errorsOf([1, 2])[0]).toMatch(/one JSON object/);
    const unknown = { ...good(), elbow: good()["elbow_flex"] };
    expect(errorsOf(unknown)).toContainEqual(expect.stringMatching(/^"elbow": unknown motor/));
    const missing = good();
    delete missing["gripper"];
    expect(errorsOf(missing)).toEqual(['"gripper": missing from the file.']);
    const outside = good();
    outside["wrist_flex"]!["range_max"] = 5000;
    expect(errorsOf(outside)).toEqual(['"wrist_flex.range_max": 5000 is outside 0..4095.']);
    const inverted = good();
    inverted["shoulder_lift"]!["range_min"] = 3300;
    expect(errorsOf(inverted)).toEqual(['"shoulder_lift.range_min": 3300 must be less than range_max 3265.']);
    const fractional = good();
    fractional["gripper"]!["homing_offset"] = 1.5;
    expect(errorsOf(fractional)).toEqual(['"gripper.homing_offset": must be an integer, got 1.5.']);
    const extra = good();
    extra["gripper"]!["speed"] = 3;
    expect(errorsOf(extra)).toEqual(['"gripper.speed": unknown field.']);
    const offset = good();
    offset["gripper"]!["homing_offset"] = -3000;
    expect(errorsOf(offset)).toEqual(['"gripper.homing_offset": -3000 is outside ±2047.']);
  });

  it("spots a file made for another robot", () => {
    const koch = fixture("koch_leader.json");
    // Same motor names, but a Koch leader's elbow has drive_mode 1 and offsets beyond Feetech's range.
    const errs = errorsOf(koch, ARMS.so101_follower);
    expect(errs.some((e) => e.includes("homing_offset"))).toBe(true);
    const swapped = good();
    swapped["shoulder_pan"]!["id"] = 7;
    expect(errorsOf(swapped)[0]).toMatch(/"shoulder_pan.id": is 7, but SO-101 follower's shoulder_pan is motor 1/);
  });

  it("serializes an empty table as {}", () => {
    expect(serializeCalibration({})).toBe("{}");
  });
});

const cal: MotorCalibration = { id: 1, drive_mode: 0, homing_offset: 0, range_min: 1000, range_max: 3000 };

describe("normalisation (lerobot formulas)", () => {
  it("maps the range ends and middle", () => {
    expect(normalize(1000, cal, "range_m100_100", true)).toBe(-100);
    expect(normalize(3000, cal, "range_m100_100", true)).toBe(100);
    expect(normalize(2000, cal, "range_0_100", true)).toBe(50);
    expect(normalize(2000, cal, "degrees", true)).toBe(0);
    expect(normalize(3000, cal, "degrees", true)).toBeCloseTo((1000 * 360) / 4095, 10);
  });

  it("clamps ranged modes, not degrees", () => {
    expect(normalize(500, cal, "range_m100_100", true)).toBe(-100);
    expect(normalize(4000, cal, "range_0_100", true)).toBe(100);
    expect(normalize(4000, cal, "degrees", true)).toBeCloseTo((2000 * 360) / 4095, 10);
  });

  it("applies drive_mode only where the bus does (Feetech)", () => {
    const inv = { ...cal, drive_mode: 1 };
    expect(normalize(1000, inv, "range_m100_100", true)).toBe(100);
    expect(normalize(1000, inv, "range_m100_100", false)).toBe(-100);
    expect(normalize(1000, inv, "range_0_100", true)).toBe(100);
    expect(normalize(1000, inv, "degrees", true)).toBe(normalize(1000, cal, "degrees", true));
  });

  it("unnormalize inverts normalize within one step (int() truncates)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1000, max: 3000 }),
        fc.constantFrom("range_m100_100", "range_0_100", "degrees"),
        fc.boolean(),
        (raw, mode, flip) => {
          const c = { ...cal, drive_mode: flip ? 1 : 0 };
          const back = unnormalize(normalize(raw, c, mode, true), c, mode, true);
          expect(Math.abs(back - raw)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it("refuses a degenerate range", () => {
    expect(() => normalize(1, { ...cal, range_max: 1000 }, "degrees", true)).toThrow(/range_min == range_max/);
  });
});

describe("homing and sweep review", () => {
  it("puts the middle pose at 2047 by each protocol's sign convention", () => {
    expect(halfTurnHomingOffset("feetech", 2061)).toBe(14); // Present = Actual − Offset
    expect(2061 - halfTurnHomingOffset("feetech", 2061)).toBe(2047);
    expect(halfTurnHomingOffset("dynamixel", 3000)).toBe(-953); // Present = Actual + Offset
    expect(3000 + halfTurnHomingOffset("dynamixel", 3000)).toBe(2047);
  });

  it("explains suspicious joints", () => {
    const issues = reviewSweep(
      [
        { name: "shoulder_pan", min: 1000, max: 3100, firstMove: 1 },
        { name: "shoulder_lift", min: 2040, max: 2050, firstMove: 0 },
        { name: "elbow_flex", min: 1900, max: 2200, firstMove: 1 },
        { name: "wrist_flex", min: 900, max: 3000, firstMove: -1 },
        { name: "wrist_roll", min: 2047, max: 2047, firstMove: 0 },
        { name: "gripper", min: 2100, max: 3500, firstMove: 1 },
      ],
      new Set(["wrist_roll"]),
    );
    expect(issues.map((i) => [i.joint, i.kind])).toEqual([
      ["shoulder_lift", "never_moved"],
      ["elbow_flex", "small_range"],
      ["wrist_flex", "wrong_direction"],
      ["gripper", "middle_outside_range"],
    ]);
  });

  it("keeps a table's motor order when serialising", () => {
    const t: CalibrationTable = { gripper: cal, shoulder_pan: { ...cal, id: 2 } };
    expect(serializeCalibration(t).indexOf('"gripper"')).toBeLessThan(serializeCalibration(t).indexOf('"shoulder_pan"'));
  });
});
