import type { ArmDefinition, MotorSpec } from "../core/robots.ts";
import type { FoundMotor, RigApi } from "../hardware/index.ts";
import { PROTOCOL_FAMILIES } from "../protocol/models.ts";
import { SnapshotEngine } from "./SnapshotEngine.ts";
import { messageOf } from "../core/messages.ts";

export type SetupPhase = "connect" | "searching" | "assigning" | "assigned" | "finished" | "error";

export interface SetupSnapshot {
  readonly phase: SetupPhase;
  /** Index into `order` of the motor being set up. */
  readonly step: number;
  readonly order: readonly MotorSpec[];
  readonly message: string | undefined;
  readonly done: readonly { readonly name: string; readonly id: number; readonly from: string }[];
}

/** The baud rate every motor is set to (lerobot writes index 0 / 1 Mbaud). */
export const TARGET_BAUD = 1_000_000;

export interface SetupOptions {
  /** Baud rates to search, fastest first (the protocol family's scan list). */
  readonly baudRates: readonly number[];
  /** Baud index (Baud_Rate register value) meaning 1 Mbaud for this family. */
  readonly targetBaudIndex: number;
  /**
   * Byte spans (address, length) read to detect two motors sharing an id: spans that
   * include the present position, which differs between two motors.
   */
  readonly collisionProbes: readonly (readonly [number, number])[];
}

/**
 * The options for an arm's protocol family: its scan list (or `baudRates`), 1 Mbaud as the
 * target, and probe spans around the present position for telling two motors with one id apart.
 */
export function setupOptionsFor(arm: ArmDefinition, baudRates?: readonly number[]): SetupOptions {
  const family = PROTOCOL_FAMILIES[arm.protocol];
  const targetBaudIndex = Number(Object.entries(family.baudRates).find(([, b]) => b === 1_000_000)?.[0] ?? 0);
  const pos = family.table[family.telemetry.position]!;
  const a = pos.address;
  const n = pos.size;
  const collisionProbes = [
    [a, n],
    [a - 2, n + 2],
    [a, n + 4],
    [a - 1, n + 1],
    [a - 4, n + 6],
  ] as const;
  return { baudRates: baudRates ?? family.scanBaudRates, targetBaudIndex, collisionProbes };
}

/**
 * lerobot's setup-motors, one motor at a time: the user plugs in only the next motor
 * (gripper first), the session finds it at any baud rate, then writes its id and 1 Mbaud.
 * It refuses when nothing answers, when more than one motor answers, when replies collide
 * (two motors with one id), or when the motor is not the model the arm needs.
 */
export class MotorSetupSession extends SnapshotEngine<SetupSnapshot> {
  constructor(
    private readonly api: RigApi,
    private readonly key: string,
    readonly arm: ArmDefinition,
    private readonly options: SetupOptions,
  ) {
    super({ phase: "connect", step: 0, order: [...arm.motors].reverse(), message: undefined, done: [] });
  }

  get current(): MotorSpec | undefined {
    return this.snap.order[this.snap.step];
  }

  /** Find the single connected motor and give it the current motor's id and 1 Mbaud. */
  async setupCurrent(): Promise<void> {
    const motor = this.current;
    if (!motor || this.snap.phase === "searching" || this.snap.phase === "assigning" || this.snap.phase === "finished") return;
    this.update({ phase: "searching", message: `Looking for the ${motor.name} motor at every baud rate…` });
    try {
      const found = await this.findSingle(motor);
      this.update({
        phase: "assigning",
        message: `Found a ${found.modelName ?? "motor"} with id ${found.id} at ${found.baudRate} baud. Writing id ${motor.id}…`,
      });
      await this.assign(found, motor);
      const done = [...this.snap.done, { name: motor.name, id: motor.id, from: `id ${found.id} @ ${found.baudRate} baud` }];
      const step = this.snap.step + 1;
      const next = this.snap.order[step];
      this.update({
        done,
        step,
        phase: next ? "assigned" : "finished",
        message: next
          ? `${motor.name} is now id ${motor.id} at 1 Mbaud. Unplug it and connect only the ${next.name} motor.`
          : `All ${this.arm.motors.length} motors are set up. Daisy-chain them and connect the arm.`,
      });
    } catch (e) {
      this.update({ phase: "error", message: messageOf(e) });
    }
  }

  private async findSingle(motor: MotorSpec): Promise<FoundMotor> {
    const result = await this.api.scan(this.key, this.options.baudRates);
    const collided = Object.keys(result.corruptByBaud);
    if (result.motors.length === 0) {
      throw new Error(
        collided.length > 0
          ? `Replies collided at ${collided.join(", ")} baud: two motors share an id. Connect only the ${motor.name} motor.`
          : `No motor answered at any baud rate (${this.options.baudRates.join(", ")}). Check that only the ${motor.name} motor is plugged into the adapter and that the adapter is powered.`,
      );
    }
    if (result.motors.length > 1) {
      throw new Error(
        `${result.motors.length} motors answered (${result.motors.map((m) => `id ${m.id} @ ${m.baudRate}`).join(", ")}). Connect only the ${motor.name} motor.`,
      );
    }
    const found = result.motors[0]!;
    if (found.modelName !== undefined && found.modelName !== motor.model) {
      throw new Error(`That motor is a ${found.modelName}, but ${this.arm.label}'s ${motor.name} needs a ${motor.model}. Check the part.`);
    }
    // Two motors with the same id answer a ping identically (their bytes AND together on the
    // line); reads of registers that differ between them (the position) come out garbled.
    // Each read covers a different span, so one accidental valid checksum cannot hide it.
    if (await this.repliesCollide(found.id)) {
      throw new Error(`Replies from id ${found.id} are garbled: two motors share this id. Connect only the ${motor.name} motor.`);
    }
    return found;
  }

  private async repliesCollide(id: number): Promise<boolean> {
    const spans = this.options.collisionProbes;
    let garbled = 0;
    for (const [address, length] of spans) {
      try {
        await this.api.readBytes(this.key, id, address, length);
      } catch (e) {
        if (e instanceof Error && "code" in e && (e as { code: unknown }).code === "corrupt") garbled++;
      }
    }
    return garbled > 0;
  }

  private async assign(found: FoundMotor, motor: MotorSpec): Promise<void> {
    const { api, key } = this;
    await api.write(key, found.id, "Torque_Enable", 0);
    if (this.arm.protocol === "feetech") await api.write(key, found.id, "Lock", 0);
    if (found.id !== motor.id) {
      try {
        await api.write(key, found.id, "ID", motor.id);
      } catch {
        // Some firmware answers an ID change under the new id: the ping below decides.
      }
    }
    try {
      await api.write(key, motor.id, "Baud_Rate", this.options.targetBaudIndex);
    } catch {
      // The acknowledgement may come at the new baud rate: the ping below decides.
    }
    await api.scan(key, [TARGET_BAUD]);
    const check = await api.syncRead(key, "Present_Position", [motor.id]);
    if (!check[0]?.ok) {
      throw new Error(`The motor did not answer as id ${motor.id} at 1 Mbaud after the change. Power-cycle it and try again.`);
    }
  }

  /** Try the current motor again after fixing the wiring. */
  retry(): void {
    if (this.snap.phase === "error") this.update({ phase: "connect", message: undefined });
  }
}
