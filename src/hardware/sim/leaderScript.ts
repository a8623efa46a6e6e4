/**
 * The simulated leader arm's hand: a smooth, repeating reach-grasp-place motion,
 * in raw encoder steps (4096 per turn, 2048 = middle). Pure function of time.
 */

interface Wave {
  readonly center: number;
  readonly amplitude: number;
  readonly periodS: number;
  readonly phase: number;
}

// One 12 s cycle per joint with a slower harmonic on top so the motion never looks canned.
const WAVES: readonly Wave[] = [
  { center: 2048, amplitude: 520, periodS: 12, phase: 0 }, // shoulder_pan: sweep left/right
  { center: 2000, amplitude: 300, periodS: 6, phase: 1.2 }, // shoulder_lift: reach
  { center: 2100, amplitude: 340, periodS: 6, phase: 2.4 }, // elbow_flex
  { center: 2048, amplitude: 260, periodS: 4, phase: 0.6 }, // wrist_flex
  { center: 2048, amplitude: 420, periodS: 9, phase: 0.3 }, // wrist_roll
  { center: 2250, amplitude: 230, periodS: 3, phase: 0 }, // gripper: open/close
];

export function leaderPosition(jointIndex: number, timeMs: number): number {
  const w = WAVES[jointIndex % WAVES.length] ?? WAVES[0]!;
  const t = timeMs / 1000;
  const main = Math.sin((2 * Math.PI * t) / w.periodS + w.phase);
  const slow = Math.sin((2 * Math.PI * t) / (w.periodS * 3.7) + w.phase * 2);
  return w.center + w.amplitude * (0.8 * main + 0.2 * slow);
}
