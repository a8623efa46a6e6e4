import { ARMS, type ArmId } from "../core/robots.ts";
import { createSimulatedArm, type SerialPortLike, SimulatedSerialPort } from "../hardware/index.ts";
import type { SerialLike } from "../state/index.ts";

/**
 * Test and demo hook: when the page defines `window.__STUDIO_FAKE_SERIAL__` before the
 * app loads (Playwright's addInitScript does), Web Serial is replaced by a fake whose
 * ports are SimulatedSerialPorts. The app drives them through the real
 * WebSerialTransport, exactly as it drives a USB adapter. `requestPort` hands out the
 * ports in order (as if the user picked each in the browser's chooser).
 */
export interface FakeSerialConfig {
  readonly ports: readonly {
    readonly arm: ArmId;
    readonly usbVendorId?: number;
    readonly usbProductId?: number;
    readonly calibrated?: boolean;
    /** A motor-setup bench (factory-fresh motors, none plugged in). */
    readonly setupBench?: boolean;
  }[];
}

export class FakeSerial extends EventTarget implements SerialLike {
  readonly ports: SimulatedSerialPort[];
  private readonly granted = new Set<SimulatedSerialPort>();
  private next = 0;

  constructor(config: FakeSerialConfig) {
    super();
    this.ports = config.ports.map((p, i) => {
      const arm = createSimulatedArm(ARMS[p.arm], {
        usbLatencyMs: 1,
        chunking: true,
        seed: 3 + i,
        ...(p.calibrated === undefined ? {} : { calibrated: p.calibrated }),
        ...(p.setupBench === undefined ? {} : { setupBench: p.setupBench }),
      });
      return new SimulatedSerialPort(arm.wire, { usbVendorId: p.usbVendorId ?? 0x1a86, usbProductId: p.usbProductId ?? 0x55d3 });
    });
  }

  async requestPort(): Promise<SerialPortLike> {
    await Promise.resolve();
    const port = this.ports[this.next++];
    if (!port) throw new DOMException("No port selected by the user.", "NotFoundError");
    this.granted.add(port);
    return port;
  }

  async getPorts(): Promise<SerialPortLike[]> {
    await Promise.resolve();
    return this.ports.filter((p) => this.granted.has(p) && p.connected);
  }

  /** Test helper: pull port `i`'s cable. */
  unplug(i: number): void {
    this.ports[i]?.wire.unplug();
  }

  /** Test helper: plug port `i` back in; fires "connect" like navigator.serial does. */
  replug(i: number): void {
    const port = this.ports[i];
    if (!port) return;
    port.wire.plug();
    this.dispatchEvent(new Event("connect"));
  }
}

declare global {
  interface Window {
    __STUDIO_FAKE_SERIAL__?: FakeSerialConfig;
    __studioFakeSerial?: FakeSerial;
  }
}
