import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { createProblemsStore, FADE_MS } from "./problemsStore.ts";

function setup() {
  const clock = new ManualClock(1000);
  const store = createProblemsStore(clock);
  const messages = () => store.getState().notices.map((n) => `${n.severity}: ${n.message}`);
  return { clock, store, report: store.getState().report, messages };
}

describe("problems store (the one notification list)", () => {
  it("successes and info fade on the store's clock; errors and warnings stay until dismissed", async () => {
    const t = setup();
    t.report("error", "The port was lost.");
    t.report("warning", "Profiles are not saved.");
    t.report("success", "Follower is calibrated.");
    t.report("info", "Scan found 6 motors.");
    expect(t.store.getState().notices.find((n) => n.severity === "success")?.fadesAt).toBe(1000 + FADE_MS.success);
    await t.clock.advance(FADE_MS.success - 1);
    expect(t.messages()).toHaveLength(4);
    await t.clock.advance(1);
    expect(t.messages()).toEqual(["error: The port was lost.", "warning: Profiles are not saved.", "info: Scan found 6 motors."]);
    await t.clock.advance(FADE_MS.info);
    expect(t.messages()).toEqual(["error: The port was lost.", "warning: Profiles are not saved."]);
    await t.clock.advance(3_600_000);
    expect(t.messages()).toHaveLength(2);
    const id = t.store.getState().notices[0]!.id;
    t.store.getState().dismiss(id);
    expect(t.messages()).toEqual(["warning: Profiles are not saved."]);
  });

  it("does not pile up: the same message replaces the older one, a key's new notice replaces its old one, resolve clears it", async () => {
    const t = setup();
    for (let i = 0; i < 5; i++) t.report("error", "Scan failed: timeout.");
    expect(t.messages()).toEqual(["error: Scan failed: timeout."]);
    t.report("error", "Follower: the port was lost.", "bus:f");
    t.report("success", "Follower is back.", "bus:f");
    expect(t.messages()).toEqual(["error: Scan failed: timeout.", "success: Follower is back."]);
    t.report("error", "Follower: lost again.", "bus:f");
    // the replaced success's fade timer does not remove its replacement
    await t.clock.advance(FADE_MS.success);
    expect(t.messages()).toEqual(["error: Scan failed: timeout.", "error: Follower: lost again."]);
    t.store.getState().resolve("bus:f");
    expect(t.messages()).toEqual(["error: Scan failed: timeout."]);
    for (let i = 0; i < 20; i++) t.report("warning", `warning ${i}`);
    expect(t.messages().length).toBeLessThanOrEqual(8);
    expect(t.messages().at(-1)).toBe("warning: warning 19");
  });
});
