import type { StatusFlags } from "../protocol/types.ts";

/**
 * Bus errors, by what the caller can do: retry (timeout, corrupt), report with the
 * motor id (servo status), or tear down and ask the user to reconnect (device lost).
 * Every message says what happened and what to try.
 */
export type BusErrorCode = "timeout" | "corrupt" | "servo_status" | "device_lost" | "port_open" | "closed";

export abstract class BusError extends Error {
  abstract readonly code: BusErrorCode;
}

export class BusTimeoutError extends BusError {
  readonly code = "timeout" as const;
  constructor(
    readonly ids: readonly number[],
    readonly timeoutMs: number,
  ) {
    super(
      `No reply from motor${ids.length === 1 ? "" : "s"} ${ids.join(", ")} within ${timeoutMs.toFixed(1)} ms. ` +
        "Check the motor's power and cable, and that the bus runs at the motor's baud rate.",
    );
    this.name = "BusTimeoutError";
  }
}

export class BusCorruptError extends BusError {
  readonly code = "corrupt" as const;
  constructor(
    readonly ids: readonly number[],
    readonly detail: string,
  ) {
    super(
      `Corrupt reply from motor${ids.length === 1 ? "" : "s"} ${ids.join(", ")} (${detail}). ` +
        "Noise on the bus: check the data cable and power supply; two motors sharing an id also cause this.",
    );
    this.name = "BusCorruptError";
  }
}

export class ServoStatusError extends BusError {
  readonly code = "servo_status" as const;
  constructor(
    readonly id: number,
    readonly flags: StatusFlags,
  ) {
    super(
      `Motor ${id} refused the request (${flags.rejections.join(", ")}` +
        `${flags.conditions.length > 0 ? `; also reports ${flags.conditions.join(", ")}` : ""}).`,
    );
    this.name = "ServoStatusError";
  }
}

export class DeviceLostError extends BusError {
  readonly code = "device_lost" as const;
  constructor(readonly port: string) {
    super(`The serial device ${port} was disconnected. Plug it back in and connect again.`);
    this.name = "DeviceLostError";
  }
}

export class PortOpenError extends BusError {
  readonly code = "port_open" as const;
  constructor(
    readonly port: string,
    readonly reason: string,
  ) {
    super(`Could not open ${port}: ${reason}. Close other programs (or tabs) using the port, then try again.`);
    this.name = "PortOpenError";
  }
}

export class BusClosedError extends BusError {
  readonly code = "closed" as const;
  constructor() {
    super("The bus is closed. Connect the port first.");
    this.name = "BusClosedError";
  }
}

export function isBusError(e: unknown): e is BusError {
  return e instanceof BusError;
}

const BUS_CODES: readonly string[] = ["timeout", "corrupt", "servo_status", "device_lost", "port_open", "closed"];

/** A bus error that happened on the other side of a worker boundary: same code and message. */
export class RemoteBusError extends BusError {
  readonly code: BusErrorCode;
  constructor(info: { readonly name: string; readonly code: string; readonly message: string }) {
    super(info.message);
    this.name = info.name;
    // A failure that is not a bus condition still means no valid reply.
    this.code = BUS_CODES.includes(info.code) ? (info.code as BusErrorCode) : "timeout";
  }
}
