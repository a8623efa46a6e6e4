import type { SerialPortLike } from "../SerialPortLike.ts";
import type { SimWire } from "./SimWire.ts";

/**
 * A Web Serial `SerialPort` backed by a simulated wire: the same object shape a
 * browser hands out, with streams, locks, open/close rules and a "disconnect" event
 * when unplugged. Used to test WebSerialTransport exactly as it runs on real ports.
 */
export class SimulatedSerialPort extends EventTarget implements SerialPortLike {
  onconnect: ((ev: Event) => void) | null = null;
  ondisconnect: ((ev: Event) => void) | null = null;
  readable: ReadableStream<Uint8Array> | null = null;
  writable: WritableStream<Uint8Array> | null = null;
  private opened = false;
  private readController: ReadableStreamDefaultController<Uint8Array> | undefined;

  constructor(
    readonly wire: SimWire,
    private readonly info: SerialPortInfo = { usbVendorId: 0x1a86, usbProductId: 0x55d3 },
  ) {
    super();
  }

  get connected(): boolean {
    return this.wire.isPlugged;
  }

  getInfo(): SerialPortInfo {
    return { ...this.info };
  }

  async open(options: SerialOptions): Promise<void> {
    await Promise.resolve();
    if (this.opened) throw new DOMException("The port is already open.", "InvalidStateError");
    if (!this.wire.isPlugged) throw new DOMException("Failed to open serial port.", "NetworkError");
    if (!Number.isInteger(options.baudRate) || options.baudRate <= 0) {
      throw new TypeError("Failed to execute 'open' on 'SerialPort': Requested baud rate must be greater than zero.");
    }
    this.opened = true;
    this.wire.baudRate = options.baudRate;
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.readController = controller;
      },
      cancel: () => {
        this.readController = undefined;
      },
    });
    const wire = this.wire;
    this.writable = new WritableStream<Uint8Array>({
      write(chunk) {
        if (!wire.isPlugged) throw new DOMException("The device has been lost.", "NetworkError");
        wire.transmit(chunk.slice());
      },
    });
    this.wire.setListener({
      data: (chunk) => this.readController?.enqueue(chunk.slice()),
      lost: () => this.onLost(),
    });
  }

  private onLost(): void {
    const lost = new DOMException("The device has been lost.", "NetworkError");
    this.readController?.error(lost);
    this.readController = undefined;
    const ev = new Event("disconnect");
    this.dispatchEvent(ev);
    this.ondisconnect?.(ev);
  }

  async close(): Promise<void> {
    if (!this.opened) throw new DOMException("The port is already closed.", "InvalidStateError");
    if (this.readable?.locked || this.writable?.locked) {
      throw new TypeError("Failed to execute 'close' on 'SerialPort': Cannot cancel a locked stream");
    }
    await this.readable?.cancel().catch(() => undefined);
    await this.writable?.abort().catch(() => undefined);
    this.readable = null;
    this.writable = null;
    this.readController = undefined;
    this.wire.setListener(undefined);
    this.opened = false;
  }

  async forget(): Promise<void> {
    if (this.opened) await this.close().catch(() => undefined);
  }

  async setSignals(): Promise<void> {
    await Promise.resolve();
  }

  async getSignals(): Promise<SerialInputSignals> {
    await Promise.resolve();
    return { dataCarrierDetect: false, clearToSend: true, ringIndicator: false, dataSetReady: true };
  }

  override addEventListener(type: string, listener: ((ev: Event) => void) | EventListenerObject | null): void {
    super.addEventListener(type, listener);
  }

  override removeEventListener(type: string, listener: ((ev: Event) => void) | EventListenerObject | null): void {
    super.removeEventListener(type, listener);
  }
}
