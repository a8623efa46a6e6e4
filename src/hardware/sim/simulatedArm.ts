import type { ArmDefinition } from "../../core/robots.ts";
import { MOTOR_MODELS, type MotorModelName, PROTOCOL_FAMILIES } from "../../protocol/models.ts";
import { leaderPosition } from "./leaderScript.ts";
import { SimulatedBus } from "./SimulatedBus.ts";
import { SimulatedServo } from "./SimulatedServo.ts";
import { SimWire, type SimWireOptions } from "./SimWire.ts";

export interface SimulatedArm {
  readonly definition: ArmDefinition;
  readonly servos: SimulatedServo[];
  readonly bus: SimulatedBus;
  readonly wire: SimWire;
}

export interface SimulatedArmOptions extends SimWireOptions {
  /** Leaders: a scripted hand moves the joints while torque is off (default true for leaders). */
  readonly scripted?: boolean;
  /** Time origin of the script (ms on performance.now()). */
  readonly scriptStartMs?: number;
}

/** A whole simulated arm on its own USB adapter: servos, line and timing model. */
export function createSimulatedArm(definition: ArmDefinition, options: SimulatedArmOptions = {}): SimulatedArm {
  const family = PROTOCOL_FAMILIES[definition.protocol];
  const t0 = options.scriptStartMs ?? 0;
  const scripted = options.scripted ?? definition.role === "leader";
  const servos = definition.motors.map((m, i) => {
    const model = MOTOR_MODELS[m.model as MotorModelName];
    if (model === undefined) throw new RangeError(`Unknown motor model ${m.model}`);
    const servo = new SimulatedServo({ family, model, id: m.id, position: leaderPosition(i, 0) });
    if (scripted) servo.driver = (t) => leaderPosition(i, t - t0);
    return servo;
  });
  const bus = new SimulatedBus(family, servos);
  const wire = new SimWire(bus, options);
  return { definition, servos, bus, wire };
}
