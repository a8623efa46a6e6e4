/** Test and bench support: a PolicyRunner wired straight to a ControlLoop (chunks into its policy source, observations from its sample). */
import type { Clock } from "../../core/clock.ts";
import { SampleFrame } from "../../core/LatestSample.ts";
import type { PolicyClient } from "../../protocol/openpi/policy.ts";
import type { ControlLoop } from "../ControlLoop.ts";
import { DEFAULT_MAPPING } from "../policyIo.ts";
import { PolicyRunner, type PolicyRunnerDeps } from "../PolicyRunner.ts";

export function loopRunner(
  loop: ControlLoop,
  clock: Clock,
  connect: () => PolicyClient,
  prompt = "reach",
  patch: Partial<PolicyRunnerDeps> = {},
): PolicyRunner {
  const frame = new SampleFrame(loop.joints.length);
  return new PolicyRunner(
    {
      clock,
      connect,
      sink: { playChunk: async (c) => loop.playChunk(c), hold: async () => loop.setSource("manual") },
      observe: async () => (loop.sample.read(frame), { t: clock.now(), state: Array.from(frame.follower), images: new Map() }),
      joints: loop.joints,
      ranges: loop.ranges,
      grippers: loop.follower.arm.motors.map((m) => m.isGripper),
      mapping: DEFAULT_MAPPING,
      ...patch,
    },
    prompt,
  );
}
