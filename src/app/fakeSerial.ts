import { ARMS, type ArmId } from "../core/robots.ts";
import { createSimulatedArm, type SerialPortLike, SimulatedSerialPort } from "../hardware/index.ts";

/**
 * Test and demo hook: when the page defines `window.__STUDIO_FAKE_SERIAL__` before the
 * app loads (Playwright's addInitScript does), navigator.serial is replaced by one whose
 * ports are SimulatedSerialPorts. The app then drives them through the real
 * WebSerialTransport, exactly as it drives a USB adapter.
 */
export interface FakeSerialConfig {
  readonly ports: readonly { readonly arm: ArmId; readonly usbVendorId?: number; readonly usbProductId?: number }[];
}

export interface FakeSerialHandle {
  readonly ports: SimulatedSerialPort[];
}

declare global {
  interface Window {
    __STUDIO_FAKE_SERIAL__?: FakeSerialConfig;
    __studioFakeSerial?: FakeSerialHandle;
  }
}

export function installFakeSerial(config: FakeSerialConfig): () => Promise<SerialPortLike> {
  const ports = config.ports.map((p) => {
    const arm = createSimulatedArm(ARMS[p.arm], { usbLatencyMs: 1, chunking: true, seed: 3 });
    return new SimulatedSerialPort(arm.wire, { usbVendorId: p.usbVendorId ?? 0x1a86, usbProductId: p.usbProductId ?? 0x55d3 });
  });
  window.__studioFakeSerial = { ports };
  let next = 0;
  return async () => {
    await Promise.resolve();
    const port = ports[next++];
    if (!port) throw new DOMException("No port selected by the user.", "NotFoundError");
    return port;
  };
}
