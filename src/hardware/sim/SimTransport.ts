import { PortOpenError } from "../errors.ts";
import type { Transport, TransportListener } from "../Transport.ts";
import type { SimWire } from "./SimWire.ts";

/** The simulated rig's Transport: bytes go straight onto a SimWire. */
export class SimTransport implements Transport {
  private open_ = false;
  private listener: TransportListener | undefined;

  constructor(
    readonly wire: SimWire,
    readonly label: string,
  ) {}

  get isOpen(): boolean {
    return this.open_;
  }

  async open(baudRate: number): Promise<void> {
    if (!this.wire.isPlugged) throw new PortOpenError(this.label, "the device is unplugged");
    this.wire.baudRate = baudRate;
    this.wire.setListener({
      data: (chunk) => this.listener?.data(chunk),
      lost: () => {
        this.open_ = false;
        this.listener?.lost();
      },
    });
    this.open_ = true;
    await Promise.resolve();
  }

  setListener(listener: TransportListener | undefined): void {
    this.listener = listener;
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (!this.open_) throw new Error(`${this.label} is not open.`);
    this.wire.transmit(bytes);
    await Promise.resolve();
  }

  async close(): Promise<void> {
    this.open_ = false;
    this.wire.setListener(undefined);
    await Promise.resolve();
  }
}
