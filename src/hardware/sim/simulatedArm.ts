import type { ArmDefinition } from "../../core/robots.ts";
import { MOTOR_MODELS, type MotorModelName, PROTOCOL_FAMILIES } from "../../protocol/models.ts";
import { type HandMode, JOINT_STOPS, SimHand } from "./SimHand.ts";
import { SimulatedBus } from "./SimulatedBus.ts";
import { SimulatedServo } from "./SimulatedServo.ts";
import { SimWire, type SimWireOptions } from "./SimWire.ts";

export interface SimulatedArm {
  readonly definition: ArmDefinition;
  /** Every servo of the arm (on the bus, or waiting to be plugged in on a setup bench). */
  readonly servos: SimulatedServo[];
  readonly bus: SimulatedBus;
  readonly wire: SimWire;
  readonly hand: SimHand;
  /** Raw horn position of each joint's middle pose (how the horn was mounted). */
  readonly mounts: readonly number[];
  /** Joint angles (steps from the middle, in the hand's sense) right now. */
  angles(now: number): number[];
  setHand(mode: HandMode, now: number): void;
}

export interface SimulatedArmOptions extends SimWireOptions {
  /** Start with the leader's scripted motion (default: leaders yes, followers no). */
  readonly scripted?: boolean;
  /** Time origin of the script (ms on performance.now()). */
  readonly scriptStartMs?: number;
  /**
   * Motors as a calibrated arm leaves them: homing offsets and position limits written,
   * ids 1..6 at 1 Mbaud (default). `false`: homing offsets 0 and full limits (never calibrated).
   */
  readonly calibrated?: boolean;
  /** A motor-setup bench: every motor fresh from the factory (id 1, default baud), none plugged in. */
  readonly setupBench?: boolean;
}

/** Where each horn sits at the joint's middle pose: arbitrary, as after assembly. */
function mountOf(index: number, protocol: string): number {
  const spread = ((index + 1) * 977 + (protocol === "feetech" ? 0 : 311)) % 1400;
  return 2048 + spread - 700;
}

/** A whole simulated arm on its own USB adapter: servos, hand, line and timing model. */
export function createSimulatedArm(definition: ArmDefinition, options: SimulatedArmOptions = {}): SimulatedArm {
  const family = PROTOCOL_FAMILIES[definition.protocol];
  const scripted = options.scripted ?? definition.role === "leader";
  const hand = new SimHand(scripted ? "script" : "hold", options.scriptStartMs ?? 0);
  const calibrated = options.calibrated ?? true;
  const bench = options.setupBench ?? false;
  const mounts = definition.motors.map((_, i) => mountOf(i, definition.protocol));

  const servos = definition.motors.map((m, i) => {
    const model = MOTOR_MODELS[m.model as MotorModelName];
    if (model === undefined) throw new RangeError(`Unknown motor model ${m.model}`);
    const mount = mounts[i]!;
    const servo = new SimulatedServo({
      family,
      model,
      id: bench ? 1 : m.id,
      // Factory baud: STS3215 1 Mbaud (index 0); XL330/XL430 57,600 (index 1). A set-up arm: 1 Mbaud.
      baudIndex: bench && definition.protocol === "dynamixel" ? 1 : definition.protocol === "dynamixel" ? 3 : 0,
      position: mount + (scripted ? hand.angle(i, 0) : 0),
    });
    if (calibrated && !bench) {
      const [lo, hi] = JOINT_STOPS[i % JOINT_STOPS.length]!;
      servo.set("Homing_Offset", definition.protocol === "feetech" ? mount - 2047 : 2047 - mount);
      if (!m.fullTurn) {
        servo.set("Min_Position_Limit", Math.round(2047 + lo * 0.97));
        servo.set("Max_Position_Limit", Math.round(2047 + hi * 0.97));
      }
      servo.set("Goal_Position", servo.presentFromActual(servo.actual));
    }
    servo.driver = (t) => (hand.drives() ? mount + hand.angle(i, t) : undefined);
    return servo;
  });

  const bus = new SimulatedBus(family, bench ? [] : [...servos]);
  const wire = new SimWire(bus, options);
  const angles = (now: number) =>
    servos.map((s, i) => {
      s.advance(now);
      return (s.actual - mounts[i]!) * (hand.reversed.has(i) ? -1 : 1);
    });
  return {
    definition,
    servos,
    bus,
    wire,
    hand,
    mounts,
    angles,
    setHand(mode, now) {
      hand.set(mode, now, angles(now));
    },
  };
}
