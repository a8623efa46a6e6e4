import { PhoneLinkError, type PhoneCamera, type PhoneLinkState, type PhonePairing as Pairing } from "../PhoneCameraLink.ts";
import type { PhoneLinkLike } from "../PhonePairing.ts";

/** A link driven by the test: pairing → waiting → live, or failed; close() as the real one (rejects the camera). */
export class FakeLink implements PhoneLinkLike {
  closes = 0;
  /** The phone's video track once live (tests may pass their own). */
  track = {} as MediaStreamTrack;
  opens = 0;
  #listeners = new Set<() => void>();
  #state: PhoneLinkState = { status: "opening", message: "opening", pairing: undefined, camera: undefined, error: undefined };
  #resolve!: (c: PhoneCamera) => void;
  #reject!: (e: PhoneLinkError) => void;
  #camera = new Promise<PhoneCamera>((res, rej) => {
    this.#resolve = res;
    this.#reject = rej;
  });
  constructor() {
    this.#camera.catch(() => undefined);
  }
  getState = () => this.#state;
  subscribe = (fn: () => void) => {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  };
  open = () => {
    this.opens++;
    return new Promise<Pairing>(() => undefined);
  };
  waitForCamera = () => this.#camera;
  close = () => {
    this.closes++;
    this.#reject(new PhoneLinkError("closed", "closed"));
    this.#set({ status: "closed", message: "closed" });
  };
  waiting() {
    this.#set({
      status: "waiting",
      message: "scan",
      pairing: { code: "c", link: "http://x/phone.html#code=c", links: [], qrSvg: "<svg/>", expiresAt: 0 },
    });
  }
  live() {
    const camera = { track: this.track, stream: {} as MediaStream, label: "Pixel", width: 640, height: 480, frameRate: 30 };
    this.#set({ status: "live", message: "live", camera });
    this.#resolve(camera);
  }
  fail() {
    const error = new PhoneLinkError("signaling-unreachable", "Could not reach the signaling server.");
    this.#set({ status: "failed", message: error.message, error });
    this.#reject(error);
  }
  #set(patch: Partial<PhoneLinkState>) {
    this.#state = { ...this.#state, ...patch };
    for (const l of this.#listeners) l();
  }
}
