import { describe, expect, it } from "vitest";
import { ArmActivities, type Driving } from "./ArmActivities.ts";

describe("ArmActivities", () => {
  const setup = () => {
    const a = new ArmActivities();
    let recording: Driving | undefined;
    let teleop: Driving | undefined;
    a.addDriver(() => recording);
    a.addDriver(() => teleop);
    return {
      a,
      drive: (keys: string[]) => (teleop = { busKeys: keys, what: "Teleoperation", stop: "Teleop → Stop" }),
      record: (keys: string[]) => (recording = { busKeys: keys, what: "A recording session", stop: "Record → Stop" }),
      idle: () => (teleop = recording = undefined),
    };
  };

  it("refuses an action on a driven arm, naming what drives it and how to stop it; other arms are free", () => {
    const t = setup();
    expect(t.a.refusal("follower", "importing a calibration")).toBeUndefined();
    t.drive(["follower", "leader"]);
    expect(t.a.refusal("follower", "importing a calibration", "SO-101 follower")).toBe(
      "Teleoperation drives SO-101 follower now: importing a calibration is refused while it runs. Stop it first (Teleop → Stop).",
    );
    expect(t.a.refusal("leader", "writing registers")).toMatch(/^Teleoperation drives the arm now/);
    expect(t.a.refusal("other", "writing registers")).toBeUndefined();
    expect(t.a.refusal(undefined, "setting up motors")).toMatch(/^Teleoperation drives an arm now: setting up motors is refused/);
    // The most specific driver (added first) names it.
    t.record(["follower", "leader"]);
    expect(t.a.refusal("follower", "importing a calibration")).toMatch(/^A recording session drives .* \(Record → Stop\)\.$/);
    t.idle();
    expect(t.a.refusal("follower", "importing a calibration")).toBeUndefined();
    expect(t.a.drivenBy(undefined)).toBeUndefined();
  });

  it("a claim (the calibration wizard) excludes driving and other actions on that arm until released; a stale release does nothing", () => {
    const t = setup();
    const release = t.a.claim("follower", "the calibration wizard", "SO-101 follower");
    expect(t.a.driveRefusal(["leader", "follower"], () => "SO-101 follower")).toBe(
      "The calibration wizard is open for SO-101 follower: close it before driving the arm.",
    );
    expect(t.a.refusal("follower", "importing a calibration")).toMatch(/^The calibration wizard is open for the arm/);
    expect(() => t.a.claim("follower", "the calibration wizard")).toThrow(/is open/);
    release();
    expect(t.a.driveRefusal(["follower"], String)).toBeUndefined();
    const again = t.a.claim("follower", "the calibration wizard");
    release(); // the first claim's release, again: the second claim stays
    expect(t.a.refusal("follower", "importing a calibration")).toBeDefined();
    again();
    t.drive(["follower"]);
    expect(() => t.a.claim("follower", "the calibration wizard")).toThrow(
      /^Teleoperation drives the arm now: opening the calibration wizard/,
    );
  });
});
