/**
 * Pairing one phone as a camera, as an engine with its own lifecycle (not a React effect's):
 *
 *   const pairing = new PhonePairing(() => new PhoneCameraLink());
 *   pairing.subscribe(() => render(pairing.getState()));   // QR code, link, messages
 *   const { camera, link } = await pairing.start("wrist");  // resolves once the phone's video is live
 *   …the camera's owner closes `link` when the camera is removed…
 *   pairing.cancel();                                        // before live: closes the link
 *
 * - `start` changes the state synchronously (the panel shows "Contacting…" at once); a second
 *   `start` while pairing returns the same promise (a double click pairs once);
 * - `cancel` while pairing closes the link and rejects the start with a CancelledError;
 * - once live, the link is handed over to the caller (it carries the video) and the engine is idle
 *   again, ready for another phone; a failed link stays visible (its message says what to do) until
 *   `cancel` or a new `start`.
 */
import { CancelledError } from "../../core/lifecycle.ts";
import type { PhoneCamera, PhoneCameraLink, PhoneLinkState } from "./PhoneCameraLink.ts";

export interface PhonePairingState {
  readonly phase: "idle" | "pairing" | "failed";
  /** The camera name the phone will get. */
  readonly key: string | undefined;
  /** The link's state while pairing (QR code, link, message, error). */
  readonly link: PhoneLinkState | undefined;
}

export interface PairedPhone {
  readonly camera: PhoneCamera;
  /** Owned by the caller from now on: close it when the camera is removed. */
  readonly link: PhoneLinkLike;
}

/** What the engine needs of a link (PhoneCameraLink; tests give a fake). */
export type PhoneLinkLike = Pick<PhoneCameraLink, "open" | "waitForCamera" | "close" | "getState" | "subscribe">;

const IDLE: PhonePairingState = { phase: "idle", key: undefined, link: undefined };

export class PhonePairing {
  readonly #createLink: () => PhoneLinkLike;
  readonly #listeners = new Set<() => void>();
  #state: PhonePairingState = IDLE;
  /** The link being paired (or that failed), with its state subscription; undefined when idle. */
  #link: { link: PhoneLinkLike; unsubscribe: () => void } | undefined;
  #pending: Promise<PairedPhone> | undefined;

  constructor(createLink: () => PhoneLinkLike) {
    this.#createLink = createLink;
  }

  getState(): PhonePairingState {
    return this.#state;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Pairs a phone as camera `key`; while pairing, returns the pairing in progress. */
  start(key: string): Promise<PairedPhone> {
    if (this.#pending) return this.#pending;
    this.#release(true); // a failed pairing's link
    const link = this.#createLink();
    const mine = { link, unsubscribe: link.subscribe(() => this.#mine(link) && this.#set({ ...this.#state, link: link.getState() })) };
    this.#link = mine;
    const promise = (async (): Promise<PairedPhone> => {
      // open() rejects with the error waitForCamera() rejects with; the state shows it.
      link.open().catch(() => undefined);
      try {
        const camera = await link.waitForCamera();
        if (!this.#mine(link)) throw new CancelledError();
        this.#release(false);
        this.#set(IDLE);
        return { camera, link };
      } catch (e) {
        if (!this.#mine(link)) throw new CancelledError();
        this.#pending = undefined;
        this.#set({ ...this.#state, phase: "failed", link: link.getState() });
        throw e;
      }
    })();
    this.#pending = promise;
    this.#set({ phase: "pairing", key, link: link.getState() });
    return promise;
  }

  /** Stops a pairing in progress (closes its link; its start rejects with a CancelledError) or clears a failed one. */
  cancel(): void {
    if (!this.#link) return;
    this.#release(true);
    this.#set(IDLE);
  }

  #mine(link: PhoneLinkLike): boolean {
    return this.#link?.link === link;
  }

  /** Forgets the current link; `close` closes it too (it is not handed over). */
  #release(close: boolean): void {
    const l = this.#link;
    this.#link = undefined;
    this.#pending = undefined;
    if (!l) return;
    l.unsubscribe();
    if (close) l.link.close();
  }

  #set(state: PhonePairingState): void {
    this.#state = state;
    for (const l of this.#listeners) l();
  }
}
