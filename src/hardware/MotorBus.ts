import type { Clock } from "../core/clock.ts";
import type { ProtocolFamily } from "../protocol/models.ts";
import { modelByNumber } from "../protocol/models.ts";
import type { FrameDecoder, RegisterDef, StatusCondition, StatusPacket } from "../protocol/types.ts";
import { decodeValue, encodeValue } from "../protocol/values.ts";
import { BusClosedError, BusCorruptError, type BusError, BusTimeoutError, DeviceLostError, ServoStatusError } from "./errors.ts";
import { realClock } from "./precisionTimer.ts";
import type { Transport } from "./Transport.ts";

export interface MotorBusOptions {
  /** Extra time allowed beyond the bytes' wire time, per transaction (ms). */
  timeoutMarginMs?: number;
  /** Retries after a timeout or a corrupt reply (lerobot: 2). */
  retries?: number;
  /** Reply timeouts run on this clock (the real one by default). */
  clock?: Clock;
}

/** One motor's answer to a read: a value, or why there is none. Never a made-up number. */
export type MotorReading =
  | { readonly id: number; readonly ok: true; readonly value: number; readonly conditions: readonly StatusCondition[] }
  | { readonly id: number; readonly ok: false; readonly error: BusError };

export type MotorBytes =
  | { readonly id: number; readonly ok: true; readonly data: Uint8Array; readonly conditions: readonly StatusCondition[] }
  | { readonly id: number; readonly ok: false; readonly error: BusError };

export interface FoundMotor {
  readonly id: number;
  readonly baudRate: number;
  readonly modelNumber: number | undefined;
  readonly modelName: string | undefined;
}

export interface ScanResult {
  readonly motors: readonly FoundMotor[];
  /** Corrupt replies per baud rate: two motors with one id garble each other's replies. */
  readonly corruptByBaud: Readonly<Record<number, number>>;
}

export interface BusStats {
  transactions: number;
  timeouts: number;
  corrupt: number;
  retries: number;
  statusErrors: number;
  /** Replies with servo condition flags (overload, overheat, voltage…): payload kept. */
  conditions: number;
  /** Bytes that arrived when no transaction was waiting (late or unsolicited). */
  strayBytes: number;
}

interface Pending {
  readonly expect: Map<number, number>; // id → expected data length
  readonly replies: Map<number, StatusPacket>;
  corrupt: number;
  /** For broadcast ping: collect everything until the window closes. */
  readonly collectAll: boolean;
  done: () => void;
}

const BITS_PER_BYTE = 10;

/**
 * A servo bus: one protocol family over one transport. Transactions are serialised;
 * each has a timeout from its bytes' wire time plus a margin, and bounded retries.
 */
export class MotorBus {
  readonly stats: BusStats = {
    transactions: 0,
    timeouts: 0,
    corrupt: 0,
    retries: 0,
    statusErrors: 0,
    conditions: 0,
    strayBytes: 0,
  };
  private readonly decoder: FrameDecoder;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private baud = 0;
  private lost = false;
  private readonly lostListeners = new Set<(e: DeviceLostError) => void>();
  readonly timeoutMarginMs: number;
  readonly retries: number;
  private readonly clock: Clock;

  constructor(
    readonly transport: Transport,
    readonly family: ProtocolFamily,
    options: MotorBusOptions = {},
  ) {
    this.decoder = family.codec.createDecoder();
    this.timeoutMarginMs = options.timeoutMarginMs ?? 20;
    this.retries = options.retries ?? 2;
    this.clock = options.clock ?? realClock;
  }

  get baudRate(): number {
    return this.baud;
  }

  get isOpen(): boolean {
    return this.transport.isOpen && !this.lost;
  }

  get isLost(): boolean {
    return this.lost;
  }

  onLost(fn: (e: DeviceLostError) => void): () => void {
    this.lostListeners.add(fn);
    return () => this.lostListeners.delete(fn);
  }

  async open(baudRate = this.family.defaultBaudRate): Promise<void> {
    this.transport.setListener({
      data: (chunk) => this.onData(chunk),
      lost: () => this.onTransportLost(),
    });
    await this.transport.open(baudRate);
    this.lost = false;
    this.baud = baudRate;
  }

  /** Switch the host side to another baud rate (reopens the port). */
  async setBaudRate(baudRate: number): Promise<void> {
    if (baudRate === this.baud && this.transport.isOpen) return;
    await this.exclusive(async () => {
      await this.transport.close();
      await this.transport.open(baudRate);
      this.baud = baudRate;
    });
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.transport.setListener(undefined);
    await this.transport.close();
  }

  register(name: string): RegisterDef {
    const reg = this.family.table[name];
    if (reg === undefined) {
      throw new RangeError(`${this.family.label} has no register named "${name}".`);
    }
    return reg;
  }

  // ---- single-motor operations -------------------------------------------------

  async ping(id: number): Promise<{ modelNumber: number | undefined }> {
    const codec = this.family.codec;
    const reply = await this.transactOne(id, codec.ping(id), this.family.id === "dynamixel" ? 3 : 0);
    if (this.family.id === "dynamixel") {
      return { modelNumber: reply.data[0]! + reply.data[1]! * 256 };
    }
    const model = await this.readBytes(id, this.register("Model_Number").address, 2);
    return { modelNumber: model[0]! + model[1]! * 256 };
  }

  async readBytes(id: number, address: number, length: number): Promise<Uint8Array> {
    const reply = await this.transactOne(id, this.family.codec.read(id, address, length), length);
    return reply.data;
  }

  async read(id: number, name: string): Promise<number> {
    const reg = this.register(name);
    return decodeValue(reg, await this.readBytes(id, reg.address, reg.size));
  }

  async write(id: number, name: string, value: number): Promise<void> {
    const reg = this.register(name);
    const data = encodeValue(reg, value, name);
    await this.transactOne(id, this.family.codec.write(id, reg.address, data), 0);
  }

  async regWrite(id: number, name: string, value: number): Promise<void> {
    const reg = this.register(name);
    await this.transactOne(id, this.family.codec.regWrite(id, reg.address, encodeValue(reg, value, name)), 0);
  }

  /** ACTION to every motor: applies their registered writes. No reply. */
  async action(): Promise<void> {
    await this.send(this.family.codec.action(this.family.codec.broadcastId));
  }

  async reboot(id: number): Promise<void> {
    await this.transactOne(id, this.family.codec.reboot(id), 0);
  }

  // ---- many motors in one transaction --------------------------------------------

  /** SYNC READ of a byte range from many motors; missing replies are retried, then reported. */
  async syncReadBytes(address: number, length: number, ids: readonly number[]): Promise<MotorBytes[]> {
    const results = new Map<number, MotorBytes>();
    let todo = [...ids];
    for (let attempt = 0; attempt <= this.retries && todo.length > 0; attempt++) {
      if (attempt > 0) this.stats.retries++;
      const packet = this.family.codec.syncRead(address, length, todo);
      const expect = new Map(todo.map((id) => [id, length] as const));
      const { replies, corrupt } = await this.transact(packet, expect);
      const failed: number[] = [];
      for (const id of todo) {
        const reply = replies.get(id);
        if (reply === undefined) {
          failed.push(id);
          results.set(id, {
            id,
            ok: false,
            error:
              corrupt > 0
                ? new BusCorruptError([id], "checksum mismatch")
                : new BusTimeoutError([id], this.timeoutFor(packet.length, expect)),
          });
        } else if (reply.flags.rejections.length > 0) {
          this.stats.statusErrors++;
          results.set(id, { id, ok: false, error: new ServoStatusError(id, reply.flags) });
        } else {
          results.set(id, { id, ok: true, data: reply.data, conditions: reply.flags.conditions });
        }
      }
      todo = failed;
    }
    return ids.map((id) => results.get(id)!);
  }

  async syncRead(name: string, ids: readonly number[]): Promise<MotorReading[]> {
    const reg = this.register(name);
    const raw = await this.syncReadBytes(reg.address, reg.size, ids);
    return raw.map((r): MotorReading => (r.ok ? { id: r.id, ok: true, value: decodeValue(reg, r.data), conditions: r.conditions } : r));
  }

  /** SYNC WRITE one register on many motors. No replies. */
  async syncWrite(name: string, values: ReadonlyMap<number, number> | readonly (readonly [number, number])[]): Promise<void> {
    const reg = this.register(name);
    const entries = [...values].map(([id, value]) => ({ id, data: encodeValue(reg, value, name) }));
    await this.send(this.family.codec.syncWrite(reg.address, reg.size, entries));
  }

  /** Broadcast ping at the current baud: the ids that answer. */
  async broadcastPing(): Promise<{ ids: number[]; modelNumbers: Map<number, number>; corrupt: number }> {
    const codec = this.family.codec;
    const { replies, corrupt } = await this.transact(codec.ping(codec.broadcastId), new Map(), true);
    const modelNumbers = new Map<number, number>();
    for (const [id, reply] of replies) {
      if (this.family.id === "dynamixel" && reply.data.length >= 2) {
        modelNumbers.set(id, reply.data[0]! + reply.data[1]! * 256);
      }
    }
    return { ids: [...replies.keys()].sort((a, b) => a - b), modelNumbers, corrupt };
  }

  /**
   * Find motors: for each baud rate, a broadcast ping, then each motor's model number.
   * Leaves the bus at the first baud rate where motors answered (or where it started).
   */
  async scan(baudRates: readonly number[] = this.family.scanBaudRates): Promise<ScanResult> {
    const start = this.baud;
    const motors: FoundMotor[] = [];
    const corruptByBaud: Record<number, number> = {};
    for (const baud of baudRates) {
      await this.setBaudRate(baud);
      const found = await this.broadcastPing();
      if (found.corrupt > 0) corruptByBaud[baud] = found.corrupt;
      for (const id of found.ids) {
        let modelNumber = found.modelNumbers.get(id);
        if (modelNumber === undefined) {
          try {
            modelNumber = (await this.ping(id)).modelNumber;
          } catch {
            modelNumber = undefined;
          }
        }
        motors.push({
          id,
          baudRate: baud,
          modelNumber,
          modelName: modelNumber === undefined ? undefined : modelByNumber(this.family.id, modelNumber)?.name,
        });
      }
    }
    const firstBaud = motors[0]?.baudRate ?? start;
    if (firstBaud > 0) await this.setBaudRate(firstBaud);
    return { motors, corruptByBaud };
  }

  // ---- transactions --------------------------------------------------------------

  private async transactOne(id: number, packet: Uint8Array, dataLength: number): Promise<StatusPacket> {
    let lastError: BusError | undefined;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) this.stats.retries++;
      const expect = new Map([[id, dataLength]]);
      const { replies, corrupt } = await this.transact(packet, expect);
      const reply = replies.get(id);
      if (reply !== undefined) {
        if (reply.flags.rejections.length > 0) {
          this.stats.statusErrors++;
          throw new ServoStatusError(id, reply.flags);
        }
        return reply;
      }
      lastError =
        corrupt > 0 ? new BusCorruptError([id], "checksum mismatch") : new BusTimeoutError([id], this.timeoutFor(packet.length, expect));
    }
    throw lastError ?? new BusTimeoutError([id], 0);
  }

  private async send(packet: Uint8Array): Promise<void> {
    await this.exclusive(async () => {
      this.assertUsable();
      this.stats.transactions++;
      await this.transport.write(packet);
    });
  }

  /** Wire time of the request and the expected replies, plus the margin. */
  private timeoutFor(requestBytes: number, expect: ReadonlyMap<number, number>, collectAll = false): number {
    let bytes = requestBytes;
    for (const len of expect.values()) bytes += this.family.codec.statusPacketSize(len);
    // A broadcast ping has no known reply count: room for 32 replies, and a wider margin.
    if (collectAll) bytes += 32 * this.family.codec.statusPacketSize(3);
    const margin = collectAll ? Math.max(50, this.timeoutMarginMs * 2) : this.timeoutMarginMs;
    return (bytes * BITS_PER_BYTE * 1000) / Math.max(1, this.baud) + margin;
  }

  private transact(
    packet: Uint8Array,
    expect: Map<number, number>,
    collectAll = false,
  ): Promise<{ replies: Map<number, StatusPacket>; corrupt: number }> {
    return this.exclusive(async () => {
      this.assertUsable();
      this.stats.transactions++;
      this.decoder.reset();
      const pending: Pending = { expect, replies: new Map(), corrupt: 0, collectAll, done: () => undefined };
      const timeoutMs = this.timeoutFor(packet.length, expect, collectAll);
      let cancel: (() => void) | undefined;
      const finished = new Promise<"done" | "timeout">((resolve) => {
        pending.done = () => resolve("done");
        // When the deadline passes, give bytes already queued in the page one more task
        // turn to arrive: a busy main thread must not turn a reply into a timeout.
        cancel = this.clock.timeout(timeoutMs, () => {
          cancel = this.clock.timeout(0, () => resolve("timeout"));
        });
      });
      this.pending = pending;
      try {
        await this.transport.write(packet);
        const outcome = await finished;
        if (this.lost) throw new DeviceLostError(this.transport.label);
        if (outcome === "timeout" && !collectAll) {
          if (pending.corrupt > 0) this.stats.corrupt++;
          else this.stats.timeouts++;
        }
        return { replies: pending.replies, corrupt: pending.corrupt };
      } finally {
        cancel?.();
        this.pending = undefined;
      }
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private assertUsable(): void {
    if (this.lost) throw new DeviceLostError(this.transport.label);
    if (!this.transport.isOpen) throw new BusClosedError();
  }

  private onData(chunk: Uint8Array): void {
    const pending = this.pending;
    if (pending === undefined) {
      this.stats.strayBytes += chunk.length;
      return;
    }
    for (const ev of this.decoder.push(chunk)) {
      if (ev.kind === "corrupt") {
        if (ev.reason !== "garbage") pending.corrupt++;
        continue;
      }
      const status = this.family.codec.parseStatus(ev.frame);
      if (status === undefined) continue; // an echoed instruction or a stranger
      if (pending.collectAll) {
        pending.replies.set(status.id, status);
        continue;
      }
      const expectedLength = pending.expect.get(status.id);
      if (expectedLength === undefined || pending.replies.has(status.id)) continue;
      // A rejected request may come back without data; otherwise the length must match.
      if (status.flags.rejections.length === 0 && status.data.length !== expectedLength) {
        pending.corrupt++;
        continue;
      }
      if (status.flags.conditions.length > 0) this.stats.conditions++;
      pending.replies.set(status.id, status);
    }
    if (!pending.collectAll && pending.replies.size === pending.expect.size) pending.done();
  }

  private onTransportLost(): void {
    if (this.lost) return;
    this.lost = true;
    const error = new DeviceLostError(this.transport.label);
    this.pending?.done();
    for (const fn of this.lostListeners) fn(error);
  }
}
