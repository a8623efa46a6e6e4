/**
 * The station's side of remote teleoperation: a pairing code, then one operator's link.
 *
 * - Commands (`action`) are decoded, aged with the operator's clock (estimated from pings) and
 *   offered to the loop host's RemoteCommandGate — which drops stale and out-of-sequence ones and
 *   holds when the link goes quiet; the loop then applies its own start gate, range and max step.
 *   A command that arrives before the clocks are synchronised is dropped (and counted).
 * - State (`state`) goes out at `stateHz`: the follower, the goal sent, the newest applied command.
 * - Control: the operator may start/stop driving, e-stop, press the recording keys; the person
 *   at the station can take over at any time (and e-stop with its own keyboard, Escape).
 * - A peer that breaks the message rules is disconnected with the reason; when the link ends for
 *   any reason the gate is closed and the follower holds where it is.
 */
import { type Clock, every } from "../core/clock.ts";
import { SnapshotEngine } from "../core/SnapshotEngine.ts";
import type { RemoteCommandIn } from "../control/TeleopService.ts";
import type { RemoteGateOptions, RemoteGateStats } from "../control/RemoteCommandGate.ts";
import {
  type ControlRequest,
  decodeAction,
  encode,
  fromJointMap,
  type RecordKey,
  type SessionInfo,
  takeEvent,
  type TakeInfo,
  toJointMap,
} from "../protocol/remoteWire.ts";
import { ControlPeer, type HeldPeer, releasePeer } from "./ControlPeer.ts";
import { type LinkStats, type ListenableLink, NO_LINK_STATS } from "./link.ts";

/** What the station's session needs of the studio (the state layer binds it to the stores). */
export interface StationPorts {
  readonly name: string;
  /** The follower's joints and ranges, the loop rate, the cameras sent. */
  info(): {
    robot: string;
    joints: readonly string[];
    ranges: readonly (readonly [number, number])[];
    rateHz: number;
    cameras: readonly string[];
  };
  /** The loop's newest sample: time on the page clock, follower, goal sent, loop state, who drives, the gate (its times on the page clock). */
  sample():
    | {
        t: number;
        follower: ArrayLike<number>;
        command: ArrayLike<number>;
        loop: string;
        source: string;
        gate: RemoteGateStats | undefined;
      }
    | undefined;
  attach(options: RemoteGateOptions | undefined): Promise<void>;
  offer(cmd: RemoteCommandIn): void;
  /** Starts the loop if needed and hands the follower to the operator (source "remote"). */
  drive(): Promise<void>;
  /** The follower back to the station: it holds where it is (keyboard and sliders drive it). */
  takeOver(): Promise<void>;
  estop(): Promise<void>;
  recordKey(key: RecordKey): Promise<void>;
  take(): TakeInfo;
}

export interface StationConnector {
  /** Opens a pairing room; returns a function that ends it. */
  open(h: {
    paired(p: { code: string; link: string; qrSvg: string }): void;
    peer(link: ListenableLink): void;
    failed(reason: string): void;
  }): () => void;
}

export type StationStatus = "idle" | "opening" | "waiting" | "connected" | "ended";

export interface StationLinkView extends LinkStats {
  readonly received: number;
  /** Commands dropped before the clocks were synchronised. */
  readonly unsynced: number;
  readonly gate: RemoteGateStats | undefined;
}

export interface StationSnapshot {
  readonly status: StationStatus;
  readonly message: string;
  readonly pairing: { code: string; link: string; qrSvg: string } | undefined;
  /** The person at the station took over: the operator cannot drive until they hand back. */
  readonly local: boolean;
  readonly link: StationLinkView;
}

export interface RemoteStationDeps {
  readonly clock: Clock;
  readonly ports: StationPorts;
  readonly connector: StationConnector;
  readonly gate: RemoteGateOptions;
  /** performance.timeOrigin of the page whose clock `clock` is. */
  readonly timeOrigin: number;
  readonly stateHz?: number;
}

const IDLE_LINK: StationLinkView = { ...NO_LINK_STATS, received: 0, unsynced: 0, gate: undefined };

export class RemoteStation extends SnapshotEngine<StationSnapshot> {
  private held: HeldPeer = {};
  /** The driver last told to the operator (session info is sent again when it changes). */
  private sentDriver: SessionInfo["driver"] | undefined;
  private seq = 0;
  private lastTake = "";
  private received = 0;
  private unsynced = 0;

  constructor(private readonly deps: RemoteStationDeps) {
    super({ status: "idle", message: "Not shared.", pairing: undefined, local: false, link: IDLE_LINK });
  }

  /** Opens a pairing code for one operator (a second call while open does nothing). */
  open(): void {
    if (this.snap.status === "opening" || this.snap.status === "waiting" || this.snap.status === "connected") return;
    this.received = 0;
    this.unsynced = 0;
    this.update({ status: "opening", message: "Contacting the signaling server…", pairing: undefined, local: false, link: IDLE_LINK });
    this.held.leave = this.deps.connector.open({
      paired: (pairing) => this.update({ status: "waiting", pairing, message: "Send the link to the operator. The code works once." }),
      peer: (link) => this.onPeer(link),
      failed: (reason) => this.finish(reason),
    });
  }

  /** Ends the session: the operator is told, the follower holds. */
  close(): void {
    if (this.snap.status === "idle" || this.snap.status === "ended") return;
    this.held.control?.emit({ event: "bye", params: { reason: "the station ended the session" } });
    this.finish("You ended the session.");
  }

  /** The person at the station takes the follower back (it holds; keyboard, sliders and the leader drive it). */
  async takeOver(): Promise<void> {
    this.update({ local: true });
    this.sendInfo();
    await this.deps.ports.takeOver();
  }

  /** Lets the operator drive again (they press Start on their side). */
  handBack(): void {
    this.update({ local: false });
    this.sendInfo();
  }

  private onPeer(link: ListenableLink): void {
    this.held.link = link;
    const control = new ControlPeer(link, this.deps.clock, {
      request: (req) => this.onRequest(req),
      event: (ev) => {
        if (ev.event === "bye") this.finish(`The operator left: ${ev.params.reason}`);
      },
      violation: (reason) => this.finish(`The operator was disconnected: ${reason}. The follower holds.`),
    });
    this.held.control = control;
    link.listen({
      open: () => {
        this.update({ status: "connected", message: "The operator is connected." });
        void this.deps.ports.attach(this.deps.gate);
        control.ping();
        this.sendInfo();
        this.held.stopTicks = every(this.deps.clock, 1000 / (this.deps.stateHz ?? 30), () => this.tick());
      },
      message: (channel, data) => {
        if (channel === "control") control.onControl(data);
        else if (channel === "action") this.onAction(data);
      },
      close: (reason) => this.finish(`The operator's link ended (${reason}). The follower holds.`),
    });
  }

  private onAction(data: unknown): void {
    const control = this.held.control;
    const a = control?.admit("action", data, decodeAction);
    if (!control || !a) return;
    this.received++;
    if (!control.sync.synced) {
      this.unsynced++;
      return;
    }
    const joints = fromJointMap(this.deps.ports.info().joints, a.goal);
    // The operator's send time on our clock: their clock − (their clock − ours).
    this.deps.ports.offer({ seq: a.seq, sentAtEpochMs: a.t - control.sync.offsetMs + this.deps.timeOrigin, joints });
  }

  private async onRequest(req: ControlRequest): Promise<unknown> {
    const ports = this.deps.ports;
    switch (req.method) {
      case "session.info":
        return this.info();
      case "teleop.start":
        if (this.snap.local) throw new Error("The person at the station has taken over; ask them to hand control back.");
        await ports.drive();
        return this.info();
      case "teleop.stop":
        await ports.takeOver();
        return this.info();
      case "estop":
        await ports.estop();
        return undefined;
      case "record.key":
        await ports.recordKey(req.params.key);
        return ports.take();
      case "ping":
        return undefined; // answered by ControlPeer
    }
  }

  private info(): SessionInfo {
    const i = this.deps.ports.info();
    const s = this.deps.ports.sample();
    return {
      station: this.deps.ports.name,
      robot: i.robot,
      joints: i.joints,
      ranges: i.ranges,
      rateHz: i.rateHz,
      cameras: i.cameras,
      watchdogMs: this.deps.gate.watchdogMs,
      maxAgeMs: this.deps.gate.maxAgeMs,
      driver: this.driver(s),
    };
  }

  private driver(s: ReturnType<StationPorts["sample"]>): SessionInfo["driver"] {
    return s?.source === "remote" && !this.snap.local ? "remote" : "local";
  }

  private sendInfo(): void {
    const info = this.info();
    this.sentDriver = info.driver;
    this.held.control?.emit({ event: "session", params: info });
  }

  private tick(): void {
    const link = this.held.link;
    const control = this.held.control;
    if (!link || !control) return;
    const ports = this.deps.ports;
    const s = ports.sample();
    // Who drives reaches the operator when the loop reports it (a start's reply may predate the switch).
    if (this.driver(s) !== this.sentDriver) this.sendInfo();
    const names = ports.info().joints;
    if (s) {
      const gate = s.gate;
      link.send(
        "state",
        encode({
          t: this.deps.clock.now(),
          seq: this.seq++,
          joints: toJointMap(names, s.follower),
          applied_seq: gate?.appliedSeq ?? -1,
          applied_t: gate && Number.isFinite(gate.appliedAt) ? gate.appliedAt : 0,
          command: toJointMap(names, s.command),
          loop: s.loop,
          hold: s.source !== "remote" || (gate?.holding ?? true),
        }),
      );
    }
    const take = ports.take();
    const key = JSON.stringify(take);
    if (key !== this.lastTake) {
      this.lastTake = key;
      control.emit(takeEvent(take));
    }
    if (this.seq % 30 === 0) {
      control.ping();
      void link.stats().then((stats) => {
        if (this.held.link === link)
          this.update({ link: { ...stats, rttMs: control.sync.rttMs, received: this.received, unsynced: this.unsynced, gate: s?.gate } });
      });
    }
  }

  private finish(message: string): void {
    const held = this.held;
    this.held = {};
    releasePeer(held, message);
    void this.deps.ports.attach(undefined);
    this.update({ status: "ended", message, pairing: undefined });
  }
}
