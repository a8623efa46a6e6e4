/**
 * The byte-level device seam. A transport moves bytes; it knows nothing of packets.
 * Implementations: WebSerialTransport (any Web Serial `SerialPort`, real or fake) and
 * SimTransport (the simulated rig's wire, with its timing model).
 */
export interface TransportListener {
  /** Bytes received, in order, in chunks split anywhere. */
  data(chunk: Uint8Array): void;
  /** The device went away (unplugged). Called once; the transport is closed after it. */
  lost(): void;
}

export interface Transport {
  /** A user-facing name: "USB serial 1a86:55d3", "Simulated follower bus". */
  readonly label: string;
  readonly isOpen: boolean;
  open(baudRate: number): Promise<void>;
  setListener(listener: TransportListener | undefined): void;
  /** Resolves when the bytes have been handed to the device. */
  write(bytes: Uint8Array): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}
