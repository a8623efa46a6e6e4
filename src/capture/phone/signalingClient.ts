/** A thin WebSocket wrapper shared by the studio (PhoneCameraLink) and the phone (PhoneCameraSender). */
import { type ClientMessage, CLOSE_CODE, parseServerMessage, type ServerMessage } from "./signalingProtocol.ts";

/** The part of the browser WebSocket used here (the `ws` package's client fits too, for tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

const browserSocket: SocketFactory = (url) => new WebSocket(url) as unknown as SocketLike;

export interface SignalingCloseInfo {
  code: number;
  reason: string;
  /** Whether the socket was ever open (false: the server could not be reached). */
  wasOpen: boolean;
  /** The last `error` message the server sent before closing, if any. */
  error: Extract<ServerMessage, { type: "error" }> | undefined;
}

export interface SignalingHandlers {
  onMessage(msg: ServerMessage): void;
  /** Called once when the socket closes for any reason other than `close()`. */
  onClose(info: SignalingCloseInfo): void;
}

const OPEN = 1;

export class SignalingConnection {
  readonly #socket: SocketLike;
  #closedByUs = false;
  #wasOpen = false;
  #lastError: Extract<ServerMessage, { type: "error" }> | undefined;

  /** Opens a socket to `url` and sends `first` as soon as it is open. */
  constructor(url: string, first: ClientMessage, handlers: SignalingHandlers, factory: SocketFactory = browserSocket) {
    this.#socket = factory(url);
    this.#socket.onopen = () => {
      this.#wasOpen = true;
      this.#socket.send(JSON.stringify(first));
    };
    this.#socket.onmessage = (ev) => {
      if (this.#closedByUs) return;
      const msg = typeof ev.data === "string" ? parseServerMessage(ev.data) : undefined;
      if (msg === undefined) {
        this.#socket.close(CLOSE_CODE.badMessage, "bad server message");
        return;
      }
      if (msg.type === "error") this.#lastError = msg;
      handlers.onMessage(msg);
    };
    this.#socket.onclose = (ev) => {
      if (this.#closedByUs) return;
      this.#closedByUs = true;
      handlers.onClose({ code: ev.code, reason: ev.reason, wasOpen: this.#wasOpen, error: this.#lastError });
    };
    this.#socket.onerror = () => {
      // a close event follows
    };
  }

  get isOpen(): boolean {
    return !this.#closedByUs && this.#socket.readyState === OPEN;
  }

  /** Sends if open; returns whether it was sent. */
  send(msg: ClientMessage): boolean {
    if (!this.isOpen) return false;
    this.#socket.send(JSON.stringify(msg));
    return true;
  }

  /** Closes without calling `onClose`. */
  close(): void {
    if (this.#closedByUs) return;
    this.#closedByUs = true;
    try {
      this.#socket.close(1000, "done");
    } catch {
      // already closing
    }
  }
}
