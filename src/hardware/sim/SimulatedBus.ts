import type { ProtocolFamily } from "../../protocol/models.ts";
import type { FrameDecoder, Instruction } from "../../protocol/types.ts";
import { DXL_ERROR, type SimulatedServo } from "./SimulatedServo.ts";

/** One status packet a servo puts on the wire, after its return delay. */
export interface SimReply {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly delayUs: number;
}

/**
 * Servos sharing one half-duplex line. It hears instruction bytes (in any chunking),
 * decodes them with the real codec and answers byte for byte as the servos would.
 * Pure: time is passed in, replies are returned with their delays; the wire
 * (SimWire) turns them into bytes arriving at the right moment.
 */
export class SimulatedBus {
  private readonly decoder: FrameDecoder;
  constructor(
    readonly family: ProtocolFamily,
    /** The servos plugged into this line (motor setup plugs them in one at a time). */
    readonly servos: SimulatedServo[],
  ) {
    this.decoder = family.codec.createDecoder();
  }

  attach(servo: SimulatedServo): void {
    if (!this.servos.includes(servo)) this.servos.push(servo);
  }

  detach(servo: SimulatedServo): void {
    const i = this.servos.indexOf(servo);
    if (i >= 0) this.servos.splice(i, 1);
  }

  servo(id: number): SimulatedServo | undefined {
    return this.servos.find((s) => s.id === id);
  }

  /** Bytes arrive from the host at `baud`; returns the replies in wire order. */
  receive(bytes: Uint8Array, baud: number, now: number): SimReply[] {
    const replies: SimReply[] = [];
    for (const ev of this.decoder.push(bytes)) {
      if (ev.kind !== "frame") continue;
      const instr = this.family.codec.parseInstruction(ev.frame);
      // Only servos listening at this baud rate understand the bytes.
      const listening = this.servos.filter((s) => s.baudRate === baud);
      this.execute(instr, listening, now, replies);
    }
    return replies;
  }

  /** A status packet from `servo`; `asId` is the id it answers as (its id when addressed). */
  private status(servo: SimulatedServo, error: number, data: Uint8Array, asId = servo.id): SimReply {
    return {
      id: asId,
      bytes: this.family.codec.encodeStatus(asId, error | servo.injectedError, data),
      delayUs: servo.returnDelayUs,
    };
  }

  private execute(instr: Instruction, servos: SimulatedServo[], now: number, out: SimReply[]): void {
    const codec = this.family.codec;
    const broadcast = instr.id === codec.broadcastId;
    const targets = broadcast ? servos : servos.filter((s) => s.id === instr.id);
    const dxl = this.family.id === "dynamixel";
    switch (instr.kind) {
      case "ping":
        for (const s of [...targets].sort((a, b) => a.id - b.id)) {
          const data = dxl
            ? Uint8Array.of(s.model.modelNumber & 0xff, s.model.modelNumber >> 8, s.get("Firmware_Version"))
            : new Uint8Array(0);
          out.push(this.status(s, 0, data));
        }
        return;
      case "read":
        for (const s of targets) {
          const data = s.read(instr.address, instr.length, now);
          if (data) out.push(this.status(s, 0, data));
          else if (dxl) out.push(this.status(s, DXL_ERROR.range, new Uint8Array(0)));
        }
        return;
      case "write":
        for (const s of targets) {
          // A write to the ID register is acknowledged under the id the servo was addressed by.
          const addressedAs = s.id;
          const err = s.write(instr.address, instr.data, now);
          if (!broadcast && (s.repliesToWrites() || err !== 0)) out.push(this.status(s, err, new Uint8Array(0), addressedAs));
        }
        return;
      case "reg_write":
        for (const s of targets) {
          const err = s.regWrite(instr.address, instr.data);
          if (!broadcast && s.repliesToWrites()) out.push(this.status(s, err, new Uint8Array(0)));
        }
        return;
      case "action":
        for (const s of targets) s.action(now);
        return;
      case "reboot":
        for (const s of targets) {
          if (!broadcast) out.push(this.status(s, 0, new Uint8Array(0)));
          s.reboot(now);
        }
        return;
      case "sync_read":
        for (const id of instr.ids) {
          const s = servos.find((x) => x.id === id);
          const data = s?.read(instr.address, instr.length, now);
          if (s && data) out.push(this.status(s, 0, data));
        }
        return;
      case "sync_write":
        for (const e of instr.entries) {
          servos.find((x) => x.id === e.id)?.write(instr.address, e.data, now);
        }
        return;
      case "unknown":
        for (const s of targets) {
          if (!broadcast && dxl) out.push(this.status(s, DXL_ERROR.instruction, new Uint8Array(0)));
          else if (!broadcast) out.push(this.status(s, 0x40, new Uint8Array(0)));
        }
        return;
    }
  }
}
