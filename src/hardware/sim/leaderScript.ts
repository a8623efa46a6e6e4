/**
 * The simulated leader arm's scripted motion: a smooth, repeating reach-grasp-place
 * movement, as joint angles in encoder steps away from each joint's middle pose
 * (4096 steps per turn). Pure function of time.
 */

interface Wave {
  readonly center: number;
  readonly amplitude: number;
  readonly periodS: number;
  readonly phase: number;
}

// A main cycle per joint with a slower harmonic on top so the motion never looks canned.
const WAVES: readonly Wave[] = [
  { center: 0, amplitude: 520, periodS: 12, phase: 0 }, // shoulder_pan: sweep left/right
  { center: -48, amplitude: 300, periodS: 6, phase: 1.2 }, // shoulder_lift: reach
  { center: 52, amplitude: 340, periodS: 6, phase: 2.4 }, // elbow_flex
  { center: 0, amplitude: 260, periodS: 4, phase: 0.6 }, // wrist_flex
  { center: 0, amplitude: 420, periodS: 9, phase: 0.3 }, // wrist_roll
  { center: 200, amplitude: 230, periodS: 3, phase: 0 }, // gripper: open/close
];

export function leaderAngle(jointIndex: number, timeMs: number): number {
  const w = WAVES[jointIndex % WAVES.length] ?? WAVES[0]!;
  const t = timeMs / 1000;
  const main = Math.sin((2 * Math.PI * t) / w.periodS + w.phase);
  const slow = Math.sin((2 * Math.PI * t) / (w.periodS * 3.7) + w.phase * 2);
  return w.center + w.amplitude * (0.8 * main + 0.2 * slow);
}
