/**
 * Activities that touch an arm exclude each other (docs/safety.md): while teleoperation, a
 * recording or a replay drives an arm, nothing else may write its calibration, its motor setup
 * or its torque and offset registers; while the calibration wizard holds an arm, nothing may
 * drive it. Refusals are messages for the user: what runs, and what to do.
 */

/** Something that may be driving arms now: the bus keys it drives or reads, and how to say what it is. */
export interface Driving {
  readonly busKeys: readonly string[];
  /** What runs, as the start of a sentence: "Teleoperation", "A recording session", "A replay". */
  readonly what: string;
  /** How to stop it: "Teleop → Stop". */
  readonly stop: string;
}

export type Driver = () => Driving | undefined;

export class ArmActivities {
  private readonly drivers: Driver[] = [];
  private readonly claims = new Map<string, { activity: string; token: object }>();

  /** A source of driving; the first one that drives an arm names the refusal (add the most specific first). */
  addDriver(driver: Driver): void {
    this.drivers.push(driver);
  }

  /** What drives `busKey` now (any arm when undefined), if anything. */
  drivenBy(busKey: string | undefined): Driving | undefined {
    for (const d of this.drivers) {
      const driving = d();
      if (driving && driving.busKeys.length > 0 && (busKey === undefined || driving.busKeys.includes(busKey))) return driving;
    }
    return undefined;
  }

  /**
   * Why `action` (a gerund phrase: "importing a calibration") on `busKey` (undefined: on any arm)
   * is refused now, or undefined when it may go ahead. `arm` names the arm in the message.
   */
  refusal(busKey: string | undefined, action: string, arm = "the arm"): string | undefined {
    const driving = this.drivenBy(busKey);
    if (driving)
      return `${driving.what} drives ${busKey === undefined ? "an arm" : arm} now: ${action} is refused while it runs. Stop it first (${driving.stop}).`;
    const claim = busKey === undefined ? undefined : this.claims.get(busKey);
    if (claim) return `${capitalise(claim.activity)} is open for ${arm}: ${action} is refused until it is closed.`;
    return undefined;
  }

  /** Why driving `busKeys` is refused now (an exclusive activity holds one of them), or undefined. */
  driveRefusal(busKeys: readonly string[], arm: (key: string) => string): string | undefined {
    for (const key of busKeys) {
      const claim = this.claims.get(key);
      if (claim) return `${capitalise(claim.activity)} is open for ${arm(key)}: close it before driving the arm.`;
    }
    return undefined;
  }

  /**
   * Holds `busKey` for an exclusive activity ("the calibration wizard") until the returned release
   * is called; throws the refusal when the arm is driven or held already.
   */
  claim(busKey: string, activity: string, arm = "the arm"): () => void {
    const why = this.refusal(busKey, `opening ${activity}`, arm);
    if (why) throw new Error(why);
    const token = {};
    this.claims.set(busKey, { activity, token });
    return () => {
      if (this.claims.get(busKey)?.token === token) this.claims.delete(busKey);
    };
  }
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
