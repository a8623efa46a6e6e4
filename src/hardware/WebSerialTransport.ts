import { PortOpenError } from "./errors.ts";
import { describePort, type SerialPortLike } from "./SerialPortLike.ts";
import type { Transport, TransportListener } from "./Transport.ts";
import { messageOf } from "../core/messages.ts";

/** Read errors after which the port keeps working (a fresh `readable` appears). */
const RECOVERABLE = new Set(["BufferOverrunError", "FramingError", "BreakError", "ParityError"]);

/**
 * A Transport over any Web Serial `SerialPort` (real, or a fake with the same interface).
 * Teardown order: cancel the reader, wait for the read loop to release its lock,
 * release the writer, then close the port. A lost device (NetworkError on read, or the
 * port's "disconnect" event) is reported once to the listener.
 */
export class WebSerialTransport implements Transport {
  readonly label: string;
  private listener: TransportListener | undefined;
  private reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  private writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  private readLoop: Promise<void> | undefined;
  private opened = false;
  private closing = false;
  private lostReported = false;
  private readonly onDisconnect = () => this.reportLost();

  constructor(
    readonly port: SerialPortLike,
    label?: string,
  ) {
    this.label = label ?? describePort(port);
  }

  get isOpen(): boolean {
    return this.opened;
  }

  setListener(listener: TransportListener | undefined): void {
    this.listener = listener;
  }

  async open(baudRate: number): Promise<void> {
    if (this.opened) await this.close();
    try {
      await this.port.open({ baudRate, dataBits: 8, stopBits: 1, parity: "none", bufferSize: 4096 });
    } catch (e) {
      throw new PortOpenError(this.label, messageOf(e).replace(/\.+$/, ""));
    }
    const writable = this.port.writable;
    if (writable === null) throw new PortOpenError(this.label, "the port has no writable stream");
    this.writer = writable.getWriter();
    this.opened = true;
    this.closing = false;
    this.lostReported = false;
    this.port.addEventListener("disconnect", this.onDisconnect);
    this.readLoop = this.runReadLoop();
  }

  private async runReadLoop(): Promise<void> {
    while (this.opened && !this.closing) {
      const readable = this.port.readable;
      if (readable === null) break;
      const reader = readable.getReader();
      this.reader = reader;
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          if (value.length > 0) this.listener?.data(value);
        }
      } catch (e) {
        const name = e instanceof Error ? e.name : "";
        if (!this.closing && !RECOVERABLE.has(name)) {
          // NetworkError (device lost) or anything unknown: the port is gone.
          reader.releaseLock();
          this.reader = undefined;
          this.reportLost();
          return;
        }
      } finally {
        if (this.reader === reader) {
          reader.releaseLock();
          this.reader = undefined;
        }
      }
      if (this.closing) break;
    }
  }

  private reportLost(): void {
    if (this.lostReported || this.closing) return;
    this.lostReported = true;
    this.opened = false;
    this.port.removeEventListener("disconnect", this.onDisconnect);
    this.writer?.releaseLock();
    this.writer = undefined;
    this.listener?.lost();
    void this.releaseAfterLoss();
  }

  /**
   * Free the port object for a later reconnect, in order: cancel the reader, let the read
   * loop release its lock, then close. (May run while the loop is still unwinding.)
   */
  private async releaseAfterLoss(): Promise<void> {
    try {
      await this.reader?.cancel();
    } catch {
      // the stream already errored
    }
    await this.readLoop;
    this.readLoop = undefined;
    await this.port.close().catch(() => undefined);
  }

  async write(bytes: Uint8Array): Promise<void> {
    const writer = this.writer;
    if (!this.opened || writer === undefined) throw new PortOpenError(this.label, "the port is not open");
    await writer.write(bytes);
  }

  async close(): Promise<void> {
    if (!this.opened && this.readLoop === undefined) return;
    this.closing = true;
    this.port.removeEventListener("disconnect", this.onDisconnect);
    try {
      await this.reader?.cancel();
    } catch {
      // already errored
    }
    await this.readLoop;
    this.readLoop = undefined;
    if (this.writer) {
      try {
        this.writer.releaseLock();
      } catch {
        // pending writes were rejected
      }
      this.writer = undefined;
    }
    if (this.opened) {
      this.opened = false;
      await this.port.close().catch(() => undefined);
    }
  }
}
