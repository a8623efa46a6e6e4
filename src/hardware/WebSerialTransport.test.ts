import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { ARMS } from "../core/robots.ts";
import { FEETECH } from "../protocol/models.ts";
import type { StatusPacket } from "../protocol/types.ts";
import { PortOpenError } from "./errors.ts";
import type { SerialPortLike } from "./SerialPortLike.ts";
import { createSimulatedArm } from "./sim/simulatedArm.ts";
import { SimulatedSerialPort } from "./sim/SimulatedSerialPort.ts";
import { WebSerialTransport } from "./WebSerialTransport.ts";

/**
 * A hand-written Web Serial port: real streams, wrapped so that every teardown step is
 * logged in order, and `close()` behaving as Chrome's (it refuses while a stream is locked).
 */
class FakePort extends EventTarget implements SerialPortLike {
  readonly log: string[] = [];
  readonly written: Uint8Array[] = [];
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  openError: Error | undefined;
  isOpen = false;
  closeCalls = 0;
  /** `readable.locked` at each port.close() call. */
  readonly lockedAtClose: boolean[] = [];
  private controller: ReadableStreamDefaultController<Uint8Array> | undefined;

  getInfo(): SerialPortInfo {
    return { usbVendorId: 0x1a86, usbProductId: 0x55d3 };
  }

  async open(options: SerialOptions): Promise<void> {
    await Promise.resolve();
    this.log.push(`port.open ${options.baudRate}`);
    if (this.openError) throw this.openError;
    if (this.isOpen) throw new DOMException("The port is already open.", "InvalidStateError");
    this.isOpen = true;
    this.newReadable();
    const written = this.written;
    const writable = new WritableStream<Uint8Array>({
      write(chunk) {
        written.push(chunk.slice());
      },
    });
    const getWriter = writable.getWriter.bind(writable);
    writable.getWriter = () => {
      const writer = getWriter();
      const release = writer.releaseLock.bind(writer);
      writer.releaseLock = () => {
        this.log.push("writer.releaseLock");
        release();
      };
      return writer;
    };
    this.writable = writable;
  }

  /** A fresh readable, as the port provides after a recoverable error. */
  private newReadable(): void {
    const stream = new ReadableStream<Uint8Array>({
      start: (c) => {
        this.controller = c;
      },
    });
    const getReader = stream.getReader.bind(stream);
    const instrumented = () => {
      const reader = getReader();
      const cancel = reader.cancel.bind(reader);
      const release = reader.releaseLock.bind(reader);
      reader.cancel = (reason?: unknown) => {
        this.log.push("reader.cancel");
        return cancel(reason);
      };
      reader.releaseLock = () => {
        this.log.push("reader.releaseLock");
        release();
      };
      this.log.push("getReader");
      return reader;
    };
    stream.getReader = instrumented as typeof stream.getReader;
    this.readable = stream;
  }

  async close(): Promise<void> {
    this.closeCalls++;
    const locked = this.readable?.locked === true || this.writable?.locked === true;
    this.lockedAtClose.push(this.readable?.locked === true);
    this.log.push(locked ? "port.close (refused: locked)" : "port.close");
    await Promise.resolve();
    if (!this.isOpen) throw new DOMException("The port is already closed.", "InvalidStateError");
    if (locked) throw new TypeError("Failed to execute 'close' on 'SerialPort': Cannot cancel a locked stream");
    await this.readable?.cancel().catch(() => undefined);
    await this.writable?.abort().catch(() => undefined);
    this.readable = null;
    this.writable = null;
    this.isOpen = false;
  }

  /** Device → host bytes. */
  push(bytes: number[]): void {
    this.controller?.enqueue(Uint8Array.from(bytes));
  }

  /** A read error; recoverable ones come with a new `readable`, as in Chrome. */
  readError(error: Error, recoverable: boolean): void {
    const old = this.controller;
    if (recoverable) this.newReadable();
    else this.controller = undefined;
    old?.error(error);
  }

  disconnect(): void {
    this.dispatchEvent(new Event("disconnect"));
  }
}

interface Recorded {
  readonly chunks: Uint8Array[];
  lost: number;
}

function listen(t: WebSerialTransport): Recorded {
  const rec: Recorded = { chunks: [], lost: 0 };
  t.setListener({
    data: (c) => rec.chunks.push(c.slice()),
    lost: () => rec.lost++,
  });
  return rec;
}

const received = (rec: Recorded) => rec.chunks.flatMap((c) => [...c]);
/** One turn of the event loop: stream chunks and promise callbacks queued so far run. No wall-clock waits here. */
const turn = () => new Promise<void>((r) => setImmediate(r));
/** Lets queued stream and promise work finish (a few turns). */
const sleep = async (_ms?: number) => {
  for (let i = 0; i < 5; i++) await turn();
};

/** Waits for `pred`, by event-loop turns (or by `clock` time for the simulated wire), never by the wall clock. */
async function until(pred: () => boolean, clock?: ManualClock): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    if (pred()) return;
    if (clock) await clock.advance(0.1);
    else await turn();
  }
  throw new Error("condition not reached");
}

const toClose: WebSerialTransport[] = [];
afterEach(async () => {
  for (const t of toClose.splice(0)) await t.close();
});

async function openFake(): Promise<{ port: FakePort; t: WebSerialTransport; rec: Recorded }> {
  const port = new FakePort();
  const t = new WebSerialTransport(port);
  toClose.push(t);
  const rec = listen(t);
  await t.open(1_000_000);
  return { port, t, rec };
}

describe("WebSerialTransport over a fake port", () => {
  it("opens with 8N1 at the baud rate, and labels the port by USB ids", async () => {
    const { port, t } = await openFake();
    expect(t.label).toBe("USB serial 1a86:55d3");
    expect(t.isOpen).toBe(true);
    expect(port.log[0]).toBe("port.open 1000000");
  });

  it("delivers bytes in order and writes through the port's writer", async () => {
    const { port, t, rec } = await openFake();
    port.push([1, 2, 3]);
    port.push([4]);
    await until(() => received(rec).length === 4);
    expect(received(rec)).toEqual([1, 2, 3, 4]);
    await t.write(Uint8Array.of(0xff, 0xff, 0x01));
    expect(port.written.map((c) => [...c])).toEqual([[0xff, 0xff, 0x01]]);
  });

  it("close() cancels the reader, waits for its lock to go, releases the writer, then closes the port", async () => {
    const { port, t, rec } = await openFake();
    port.log.length = 0;
    await t.close();
    expect(port.log).toEqual(["reader.cancel", "reader.releaseLock", "writer.releaseLock", "port.close"]);
    expect(port.lockedAtClose).toEqual([false]);
    expect(port.isOpen).toBe(false);
    expect(t.isOpen).toBe(false);
    expect(rec.lost).toBe(0);
  });

  it("close() is idempotent, also when called twice at once", async () => {
    const { port, t } = await openFake();
    await Promise.all([t.close(), t.close()]);
    await t.close();
    expect(port.closeCalls).toBe(1);
    expect(port.isOpen).toBe(false);
  });

  it("write after close throws PortOpenError", async () => {
    const { t } = await openFake();
    await t.close();
    await expect(t.write(Uint8Array.of(1))).rejects.toBeInstanceOf(PortOpenError);
    await expect(t.write(Uint8Array.of(1))).rejects.toThrow(/USB serial 1a86:55d3/);
  });

  it("can be opened again after close", async () => {
    const { port, t, rec } = await openFake();
    await t.close();
    await t.open(500_000);
    expect(t.isOpen).toBe(true);
    port.push([9]);
    await until(() => received(rec).length === 1);
    expect(port.log.filter((l) => l.startsWith("port.open"))).toEqual(["port.open 1000000", "port.open 500000"]);
  });

  for (const [what, make] of [
    ["DOMException BufferOverrunError", () => new DOMException("Buffer overrun", "BufferOverrunError")],
    ["DOMException FramingError", () => new DOMException("Framing error", "FramingError")],
    ["Error named BreakError", () => Object.assign(new Error("Break received"), { name: "BreakError" })],
  ] as const) {
    it(`a recoverable read error (${what}) is not a lost device; reading continues on the new readable`, async () => {
      const { port, t, rec } = await openFake();
      port.push([1, 2]);
      await until(() => received(rec).length === 2);
      const first = port.readable;
      port.readError(make(), true);
      expect(port.readable).not.toBe(first);
      await sleep(5);
      port.push([3, 4]);
      await until(() => received(rec).length === 4);
      expect(received(rec)).toEqual([1, 2, 3, 4]);
      expect(rec.lost).toBe(0);
      expect(t.isOpen).toBe(true);
      expect(port.log.filter((l) => l === "getReader")).toHaveLength(2);
      // And teardown still works on the new stream.
      await t.close();
      expect(port.lockedAtClose).toEqual([false]);
      expect(port.isOpen).toBe(false);
    });
  }

  it("a NetworkError while reading reports lost() exactly once, and frees the port without closing it while locked", async () => {
    const { port, t, rec } = await openFake();
    port.readError(new DOMException("The device has been lost.", "NetworkError"), false);
    await until(() => rec.lost > 0);
    port.disconnect(); // the browser also fires "disconnect"
    await sleep(5);
    expect(rec.lost).toBe(1);
    expect(t.isOpen).toBe(false);
    expect(port.lockedAtClose.every((l) => !l)).toBe(true);
    expect(port.isOpen).toBe(false);
    await expect(t.write(Uint8Array.of(1))).rejects.toBeInstanceOf(PortOpenError);
    await t.close();
    expect(rec.lost).toBe(1);
  });

  it("a 'disconnect' event reports lost() once, even when the read error follows", async () => {
    const { port, t, rec } = await openFake();
    port.disconnect();
    port.disconnect();
    await sleep(5);
    expect(rec.lost).toBe(1);
    expect(t.isOpen).toBe(false);
    port.readError(new DOMException("The device has been lost.", "NetworkError"), false);
    await sleep(5);
    expect(rec.lost).toBe(1);
  });

  it("after a 'disconnect' event the port is closed, never while its readable is locked", async () => {
    // BUG: WebSerialTransport.reportLost() calls port.close() straight from the
    // "disconnect" handler while the read loop still holds the reader, so a real port
    // refuses ("Cannot cancel a locked stream"), the rejection is swallowed and the port
    // stays open (a later open() of the same port fails with InvalidStateError).
    const { port, rec } = await openFake();
    port.disconnect();
    await sleep(5);
    expect(rec.lost).toBe(1);
    expect(port.lockedAtClose).toEqual([false]);
    expect(port.isOpen).toBe(false);
  });

  it("open() failure throws PortOpenError naming the port and the reason", async () => {
    const port = new FakePort();
    port.openError = new DOMException("Failed to open serial port.", "NetworkError");
    const t = new WebSerialTransport(port);
    const err = await t.open(1_000_000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PortOpenError);
    expect((err as PortOpenError).message).toContain("USB serial 1a86:55d3");
    expect((err as PortOpenError).message).toContain("Failed to open serial port.");
    expect((err as PortOpenError).port).toBe("USB serial 1a86:55d3");
    expect(t.isOpen).toBe(false);
    await t.close(); // harmless
    const named = new WebSerialTransport(port, "Follower arm");
    await expect(named.open(1_000_000)).rejects.toThrow(/Could not open Follower arm/);
  });
});

describe("WebSerialTransport over SimulatedSerialPort", () => {
  function decodeAll(bytes: Uint8Array): StatusPacket[] {
    const out: StatusPacket[] = [];
    for (const ev of FEETECH.codec.createDecoder().push(bytes)) {
      if (ev.kind !== "frame") continue;
      const s = FEETECH.codec.parseStatus(ev.frame);
      if (s) out.push(s);
    }
    return out;
  }

  it("bytes written come back as decodable status packets", async () => {
    const clock = new ManualClock(0);
    const arm = createSimulatedArm(ARMS.so101_follower, { scripted: false, clock });
    const port = new SimulatedSerialPort(arm.wire);
    const t = new WebSerialTransport(port);
    toClose.push(t);
    const rec = listen(t);
    await t.open(1_000_000);
    expect(t.label).toBe("USB serial 1a86:55d3");
    await t.write(FEETECH.codec.read(1, 56, 2));
    await until(() => decodeAll(Uint8Array.from(received(rec))).length === 1, clock);
    const [status] = decodeAll(Uint8Array.from(received(rec)));
    expect(status?.id).toBe(1);
    expect(status?.error).toBe(0);
    const value = FEETECH.codec.decodeValue(FEETECH.table["Present_Position"]!, status!.data);
    expect(value).toBe(arm.servos[0]!.get("Present_Position"));
    // A sync read of all six: six packets, in order.
    rec.chunks.length = 0;
    await t.write(FEETECH.codec.syncRead(56, 2, [1, 2, 3, 4, 5, 6]));
    await until(() => decodeAll(Uint8Array.from(received(rec))).length === 6, clock);
    expect(decodeAll(Uint8Array.from(received(rec))).map((s) => s.id)).toEqual([1, 2, 3, 4, 5, 6]);
    await t.close();
    expect(port.readable).toBeNull();
  });

  it("an unplug reports lost once; after plugging back in the same port opens again", async () => {
    // Fails with the reportLost() bug above: SimulatedSerialPort fires "disconnect"
    // synchronously, the transport calls port.close() with the reader still locked,
    // the port stays open and open() throws "The port is already open.".
    const clock = new ManualClock(0);
    const arm = createSimulatedArm(ARMS.so101_follower, { scripted: false, clock });
    const port = new SimulatedSerialPort(arm.wire);
    const t = new WebSerialTransport(port);
    toClose.push(t);
    const rec = listen(t);
    await t.open(1_000_000);
    arm.wire.unplug();
    await sleep(5);
    expect(rec.lost).toBe(1);
    arm.wire.plug();
    await t.open(1_000_000);
    await t.write(FEETECH.codec.ping(1));
    await until(() => decodeAll(Uint8Array.from(received(rec))).length === 1, clock);
  });
});
