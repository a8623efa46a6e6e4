/**
 * Inverse kinematics for dragging the end effector: damped least squares on the tool
 * position (3 DoF) over the arm joints, with a numerical Jacobian from the forward
 * kinematics. Angles are URDF radians; joints stay inside their URDF limits.
 */
import { toolPosition } from "./fk.ts";
import { ARM_JOINTS, type KinematicChain, type Vec3 } from "./kinematics.ts";

export interface IkOptions {
  /** Damping λ (m): larger is steadier near singularities, slower to converge. */
  readonly damping?: number;
  readonly iterations?: number;
  /** Stop when the tool is this close to the target (m). */
  readonly tolerance?: number;
  /** Joints the solver may move (default: the four that position the tool; wrist_roll stays). */
  readonly joints?: readonly string[];
}

export interface IkResult {
  readonly angles: Record<string, number>;
  /** Remaining distance to the target (m): > tolerance when the target is out of reach. */
  readonly error: number;
  readonly iterations: number;
}

function solve3(a: number[][], b: Vec3): Vec3 {
  // Solve the 3×3 system a·x = b (Cramer's rule; a is symmetric positive definite here).
  const [r0, r1, r2] = a as [number[], number[], number[]];
  const det = (m: number[][]) =>
    m[0]![0]! * (m[1]![1]! * m[2]![2]! - m[1]![2]! * m[2]![1]!) -
    m[0]![1]! * (m[1]![0]! * m[2]![2]! - m[1]![2]! * m[2]![0]!) +
    m[0]![2]! * (m[1]![0]! * m[2]![1]! - m[1]![1]! * m[2]![0]!);
  const d = det([r0, r1, r2]);
  const col = (k: number): number[][] => [r0, r1, r2].map((row, i) => row.map((v, j) => (j === k ? b[i]! : v)));
  return [det(col(0)) / d, det(col(1)) / d, det(col(2)) / d];
}

export function solveIk(chain: KinematicChain, start: Readonly<Record<string, number>>, target: Vec3, options: IkOptions = {}): IkResult {
  const lambda = options.damping ?? 0.02;
  const maxIter = options.iterations ?? 60;
  const tol = options.tolerance ?? 1e-4;
  const names = options.joints ?? ARM_JOINTS.filter((n) => n !== "wrist_roll");
  const specs = names.map((n) => chain.joints.find((j) => j.name === n)!);
  const q: Record<string, number> = { ...start };
  const h = 1e-6;
  let err = Infinity;
  let it = 0;
  for (; it < maxIter; it++) {
    const p = toolPosition(chain, q);
    const e: Vec3 = [target[0] - p[0], target[1] - p[1], target[2] - p[2]];
    err = Math.hypot(e[0], e[1], e[2]);
    if (err < tol) break;
    // Numerical Jacobian J (3 × n).
    const J = specs.map((j) => {
      const save = q[j.name] ?? 0;
      q[j.name] = save + h;
      const p2 = toolPosition(chain, q);
      q[j.name] = save;
      return [(p2[0] - p[0]) / h, (p2[1] - p[1]) / h, (p2[2] - p[2]) / h] as const;
    });
    // Δq = Jᵀ (J Jᵀ + λ² I)⁻¹ e
    const A = [0, 1, 2].map((r) => [0, 1, 2].map((c) => J.reduce((s, col) => s + col[r]! * col[c]!, 0) + (r === c ? lambda * lambda : 0)));
    const y = solve3(A, e);
    specs.forEach((j, k) => {
      const col = J[k]!;
      const dq = col[0] * y[0] + col[1] * y[1] + col[2] * y[2];
      q[j.name] = Math.min(j.upper, Math.max(j.lower, (q[j.name] ?? 0) + dq));
    });
  }
  return { angles: q, error: err, iterations: it };
}
