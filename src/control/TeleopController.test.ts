import { describe, expect, it, vi } from "vitest";
import { CommandInbox, type InboxCommand } from "../core/CommandInbox.ts";
import { SampleFrame } from "../core/LatestSample.ts";
import { IDLE_SNAPSHOT } from "./loopTypes.ts";
import { TeleopController } from "./TeleopController.ts";
import type { TeleopHost, TeleopStatus } from "./TeleopService.ts";

const JOINTS = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"];

/** A status as a host reports it: the follower at `pose`, plus the loop's own fields. */
function status(pose: readonly number[], extra: Partial<TeleopStatus> = {}): TeleopStatus {
  const frame = new SampleFrame(JOINTS.length);
  frame.follower.set(pose);
  return {
    ...IDLE_SNAPSHOT,
    state: "tracking",
    source: "leader",
    hasLeader: true,
    sample: frame.toArray(),
    joints: JOINTS,
    ranges: JOINTS.map(() => ({ min: -180, max: 180 })),
    clockOriginMs: 0,
    ...extra,
  };
}

/** A host that records the targets sent to it and answers a switch with a report `onSwitch` gives. */
function harness() {
  const sent: (readonly number[])[] = [];
  let onSwitch: (() => void) | undefined;
  const host: TeleopHost = {
    startTeleop: async () => status([0, 0, 0, 0, 0, 0]),
    stopTeleop: async () => undefined,
    estop: async () => undefined,
    setSource: async () => onSwitch?.(),
    setTargets: async (values) => void sent.push(values),
    playTrajectory: async () => undefined,
    attachRemote: async () => undefined,
    offerRemote: async () => undefined,
    playChunk: async () => undefined,
    handOver: async () => undefined,
  };
  const controller = new TeleopController({ hostFor: () => host, hosts: () => [host], torqueOffEverywhere: async () => undefined });
  return { controller, host, sent, whenSwitched: (fn: () => void) => (onSwitch = fn) };
}

const spec = { busKey: "f", arm: "so101_follower" as const, calibration: {}, body: "degrees" as const };

describe("TeleopController: manual targets after a switch", () => {
  it("takes the loop's pose at the switch, not its own older reading, so the first nudge moves one joint only", async () => {
    const { controller, host, sent, whenSwitched } = harness();
    await controller.start({ follower: spec, leader: { ...spec, busKey: "l", arm: "so101_leader" }, rateHz: 100 });
    // The page's newest report is ~100 ms old: the leader has since moved the follower by 8°.
    controller.report(host, status([10, 20, 30, 40, 50, 60]));
    const atSwitch = [18, 28, 38, 48, 58, 60];
    whenSwitched(() => controller.report(host, status(atSwitch, { source: "manual", manualFrom: { epoch: 1, targets: atSwitch } })));
    await controller.setSource("manual");
    expect(controller.snapshot.targets).toEqual(atSwitch);
    // A later report (the follower still settling) does not move the targets away from the user's.
    controller.report(host, status([18.5, 28, 38, 48, 58, 60], { source: "manual", manualFrom: { epoch: 1, targets: atSwitch } }));
    controller.nudge(0, 1);
    await Promise.resolve();
    expect(sent.at(-1)).toEqual([19, 28, 38, 48, 58, 60]);
  });

  it("shows no targets while another source drives, and adopts a reset the loop made on its own (a hand-over)", async () => {
    const { controller, host } = harness();
    await controller.start({ follower: spec, leader: { ...spec, busKey: "l", arm: "so101_leader" }, rateHz: 100 });
    controller.report(host, status([1, 2, 3, 4, 5, 6], { source: "policy" }));
    expect(controller.snapshot.targets).toEqual([]);
    const held = [7, 8, 9, 10, 11, 12];
    controller.report(host, status(held, { source: "manual", manualFrom: { epoch: 3, targets: held } }));
    expect(controller.snapshot.targets).toEqual(held);
    controller.setTarget(2, 0);
    controller.report(host, status(held, { source: "manual", manualFrom: { epoch: 3, targets: held } }));
    expect(controller.snapshot.targets).toEqual([7, 8, 0, 10, 11, 12]);
    const again = [1, 1, 1, 1, 1, 1];
    controller.report(host, status(again, { source: "manual", manualFrom: { epoch: 4, targets: again } }));
    expect(controller.snapshot.targets).toEqual(again);
  });
});

describe("TeleopController: remote commands", () => {
  it("cross-origin isolated: writes each command into the inbox it shared with the host, no message per command", async () => {
    vi.stubGlobal("crossOriginIsolated", true);
    try {
      const { controller, host } = harness();
      let shared: ArrayBufferLike | undefined;
      const offered: unknown[] = [];
      host.attachRemote = async (_o, inbox) => void (shared = inbox);
      host.offerRemote = async (c) => void offered.push(c);
      await controller.start({ follower: spec, rateHz: 100 });
      await controller.attachRemote({ maxAgeMs: 250, watchdogMs: 500, onLinkLoss: "hold" });
      expect(shared).toBeInstanceOf(SharedArrayBuffer);
      const loopSide = new CommandInbox(shared!);
      controller.offerRemote({ seq: 7, sentAtEpochMs: 123, joints: [1, 2, 3, 4, 5, 6] });
      const got: InboxCommand[] = [];
      loopSide.drain(6, (c) => got.push(c));
      expect(got).toHaveLength(1);
      expect(got[0]).toMatchObject({ seq: 7, sentAtEpochMs: 123, joints: [1, 2, 3, 4, 5, 6] });
      expect(got[0]!.arrivedAtEpochMs).toBeGreaterThan(123);
      expect(offered).toEqual([]);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("without shared memory: each command goes to the host as a message", async () => {
    const { controller, host } = harness();
    let shared: ArrayBufferLike | undefined = new ArrayBuffer(1);
    const offered: unknown[] = [];
    host.attachRemote = async (_o, inbox) => void (shared = inbox);
    host.offerRemote = async (c) => void offered.push(c);
    await controller.start({ follower: spec, rateHz: 100 });
    await controller.attachRemote({ maxAgeMs: 250, watchdogMs: 500, onLinkLoss: "hold" });
    expect(shared).toBeUndefined();
    controller.offerRemote({ seq: 1, sentAtEpochMs: 5, joints: [0, 0, 0, 0, 0, 0] });
    expect(offered).toEqual([{ seq: 1, sentAtEpochMs: 5, joints: [0, 0, 0, 0, 0, 0] }]);
  });
});
