/** Typed errors thrown by the codecs. Decoders never throw: they report corrupt bytes as events. */

export class ValueRangeError extends RangeError {
  readonly code = "value_range" as const;
  constructor(
    readonly register: string,
    readonly value: number,
    readonly min: number,
    readonly max: number,
  ) {
    super(`Value ${value} does not fit register ${register} (allowed ${min}..${max}).`);
    this.name = "ValueRangeError";
  }
}

export class PacketArgumentError extends RangeError {
  readonly code = "packet_argument" as const;
  constructor(message: string) {
    super(message);
    this.name = "PacketArgumentError";
  }
}

export class UnsupportedInstructionError extends Error {
  readonly code = "unsupported_instruction" as const;
  constructor(
    readonly protocol: string,
    readonly instruction: string,
  ) {
    super(`The ${protocol} protocol has no ${instruction} instruction.`);
    this.name = "UnsupportedInstructionError";
  }
}
