/**
 * The part of the Web Serial `SerialPort` interface the studio uses. A real port
 * satisfies it, and so does SimulatedSerialPort (the fake injected in tests and demos).
 */
export interface SerialPortLike {
  readonly readable: ReadableStream<Uint8Array> | null;
  readonly writable: WritableStream<Uint8Array> | null;
  open(options: SerialOptions): Promise<void>;
  close(): Promise<void>;
  getInfo(): SerialPortInfo;
  addEventListener(type: "disconnect", listener: (ev: Event) => void): void;
  removeEventListener(type: "disconnect", listener: (ev: Event) => void): void;
}

export function describePort(port: SerialPortLike): string {
  const info = port.getInfo();
  const hex = (n: number | undefined) => (n === undefined ? "????" : n.toString(16).padStart(4, "0"));
  if (info.usbVendorId === undefined) return "Serial port";
  return `USB serial ${hex(info.usbVendorId)}:${hex(info.usbProductId)}`;
}
