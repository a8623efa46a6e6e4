/**
 * The operator's side of remote teleoperation: joins a station with its one-time code, sends
 * commands at `commandHz` (the targets set by the keyboard, sliders or 3D drag — the station holds
 * when they stop) or, with a leader arm on this browser, each leader reading the moment it is read
 * (`follow`), receives the station's state (freshest wins) and cameras, and
 * drives the station's session over the control channel (start/stop, e-stop, → ← D Esc).
 *
 * The link view: round trip (pings), command age when the station's loop applied it (the
 * station's `applied_seq`/`applied_t`, its clock mapped onto ours), state loss, video bitrate/fps.
 */
import { type Clock, every } from "../core/clock.ts";
import { SnapshotEngine } from "../core/SnapshotEngine.ts";
import {
  decodeState,
  encode,
  fromJointMap,
  type RecordKey,
  type SessionInfo,
  type StateMessage,
  type TakeInfo,
  toJointMap,
} from "../protocol/remoteWire.ts";
import { ControlPeer, type HeldPeer, releasePeer } from "./ControlPeer.ts";
import { watchTimecode } from "./videoLatency.ts";
import { type LinkStats, type ListenableLink, NO_LINK_STATS } from "./link.ts";

export interface OperatorConnector {
  join(code: string, h: { peer(link: ListenableLink): void; failed(reason: string): void }): () => void;
}

export type OperatorStatus = "idle" | "connecting" | "connected" | "ended";

export interface OperatorLinkView extends LinkStats {
  readonly commandsSent: number;
  /** Age of a command when the station's loop applied it, over the last 200 applied (ms). */
  readonly cmdAgeP50Ms: number;
  readonly cmdAgeP99Ms: number;
  /** Share of state messages that did not arrive (or arrived out of order and were dropped). */
  readonly stateLoss: number;
  /** Glass-to-glass of a camera drawing the timecode (the simulated camera): capture at the station → decoded here, p50 (ms). */
  readonly videoLatencyP50Ms: number;
}

export interface OperatorSnapshot {
  readonly status: OperatorStatus;
  readonly message: string;
  readonly error: string | undefined;
  readonly session: SessionInfo | undefined;
  readonly take: TakeInfo | undefined;
  /** Where the operator wants the follower (normalised units, the station's joint order). */
  readonly targets: readonly number[];
  readonly tracks: readonly { track: MediaStreamTrack; stream: MediaStream }[];
  readonly link: OperatorLinkView;
  /** The station's loop state and whether it holds (from the newest state, ~10 Hz here). */
  readonly loop: string | undefined;
  readonly hold: boolean;
}

export interface RemoteOperatorDeps {
  readonly clock: Clock;
  readonly connector: OperatorConnector;
  readonly commandHz?: number;
}

const IDLE_LINK: OperatorLinkView = {
  ...NO_LINK_STATS,
  commandsSent: 0,
  cmdAgeP50Ms: NaN,
  cmdAgeP99Ms: NaN,
  stateLoss: NaN,
  videoLatencyP50Ms: NaN,
};
const SENT_KEPT = 512;

export class RemoteOperator extends SnapshotEngine<OperatorSnapshot> {
  private held: HeldPeer = {};
  private seq = 0;
  private state: StateMessage | undefined;
  private firstStateSeq = -1;
  private statesReceived = 0;
  private readonly sentAt = new Float64Array(SENT_KEPT).fill(NaN);
  private readonly ages: number[] = [];
  private lastApplied = -1;
  private ticks = 0;
  private targets: number[] = [];
  /** Targets changed without a snapshot yet (the leader's readings are published at ~10 Hz, not per reading). */
  private targetsDirty = false;
  private lastSentAt = -Infinity;
  private readonly videoLatencies: number[] = [];
  private readonly watchers: (() => void)[] = [];

  constructor(private readonly deps: RemoteOperatorDeps) {
    super({
      status: "idle",
      message: "Not connected.",
      error: undefined,
      session: undefined,
      take: undefined,
      targets: [],
      tracks: [],
      link: IDLE_LINK,
      loop: undefined,
      hold: true,
    });
  }

  /** The newest state from the station (read it every frame; not React state). */
  get latest(): StateMessage | undefined {
    return this.state;
  }

  /** The follower's joints from the newest state, in the session's joint order. */
  follower(out: number[] = []): number[] | undefined {
    const s = this.state;
    const joints = this.snap.session?.joints;
    return s && joints ? fromJointMap(joints, s.joints, out) : undefined;
  }

  join(code: string): void {
    if (this.snap.status === "connecting" || this.snap.status === "connected") return;
    this.update({ status: "connecting", message: "Joining the station…", error: undefined });
    this.held.leave = this.deps.connector.join(code, {
      peer: (link) => this.onPeer(link),
      failed: (reason) => this.finish(reason, true),
    });
  }

  /** Leaves the session (the station holds). */
  close(): void {
    if (this.snap.status !== "connecting" && this.snap.status !== "connected") return;
    this.held.control?.emit({ event: "bye", params: { reason: "the operator left" } });
    this.finish("You left the session.", false);
  }

  /** Asks the station to hand the follower to us (through its start gate). */
  start(): Promise<void> {
    return this.call(() => this.held.control!.call("teleop.start", {}).then((info) => this.update({ session: info as SessionInfo })));
  }

  /** Gives the follower back to the station (it holds). */
  stop(): Promise<void> {
    return this.call(() => this.held.control!.call("teleop.stop", {}).then((info) => this.update({ session: info as SessionInfo })));
  }

  estop(): Promise<void> {
    return this.call(() => this.held.control!.call("estop", {}));
  }

  key(key: RecordKey): Promise<void> {
    return this.call(() => this.held.control!.call("record.key", { key }).then((take) => this.update({ take: take as TakeInfo })));
  }

  setTarget(joint: number, value: number): void {
    if (joint < 0 || joint >= this.targets.length || !Number.isFinite(value)) return;
    const r = this.snap.session?.ranges[joint];
    this.targets[joint] = r ? Math.min(r[1], Math.max(r[0], value)) : value;
    this.update({ targets: [...this.targets] });
  }

  setTargets(values: ReadonlyMap<number, number>): void {
    for (const [j, v] of values) this.setTarget(j, v);
  }

  /**
   * Targets by joint name — a leader arm on this browser, read at the loop rate — sent at once
   * rather than at the next tick. Joints the station does not have, and NaN values (a motor that did
   * not answer), are left as they were.
   */
  follow(names: readonly string[], values: ArrayLike<number>): void {
    const session = this.snap.session;
    if (!session || this.targets.length === 0) return;
    for (let i = 0; i < names.length; i++) {
      const j = session.joints.indexOf(names[i]!);
      const v = values[i]!;
      if (j < 0 || !Number.isFinite(v)) continue;
      const r = session.ranges[j];
      this.targets[j] = r ? Math.min(r[1], Math.max(r[0], v)) : v;
    }
    this.targetsDirty = true;
    this.send();
  }

  nudge(joint: number, delta: number): void {
    const t = this.targets[joint];
    if (t !== undefined) this.setTarget(joint, t + delta);
  }

  private async call(fn: () => Promise<unknown>): Promise<void> {
    if (!this.held.control) return;
    try {
      await fn();
      if (this.snap.error) this.update({ error: undefined });
    } catch (e) {
      this.update({ error: e instanceof Error ? e.message : String(e) });
    }
  }

  private onPeer(link: ListenableLink): void {
    this.held.link = link;
    const control = new ControlPeer(link, this.deps.clock, {
      request: () => Promise.reject(new Error("The operator answers no requests.")),
      event: (ev) => {
        if (ev.event === "session") this.update({ session: ev.params });
        else if (ev.event === "take") this.update({ take: ev.params });
        else this.finish(`The station ended the session: ${ev.params.reason}`, false);
      },
      violation: (reason) => this.finish(`Disconnected: the station sent a ${reason}.`, true),
    });
    this.held.control = control;
    link.listen({
      open: () => {
        this.update({ status: "connected", message: "Connected to the station." });
        control.ping();
        this.held.stopTicks = every(this.deps.clock, this.periodMs(), () => this.tick());
      },
      message: (channel, data) => {
        if (channel === "control") control.onControl(data);
        else if (channel === "state") this.onState(data);
      },
      close: (reason) => this.finish(`The link to the station ended (${reason}).`, true),
      track: (track, stream) => {
        this.update({ tracks: [...this.snap.tracks, { track, stream }] });
        this.watchers.push(
          watchTimecode(
            track,
            () => this.deps.clock.now(),
            (capture, at) => this.onVideoSample(capture, at),
          ),
        );
      },
    });
  }

  private onState(data: unknown): void {
    const s = this.held.control?.admit("state", data, decodeState);
    if (!s) return;
    if (this.state && s.seq <= this.state.seq) return; // freshest wins: an older one arriving late is dropped
    if (this.firstStateSeq < 0) this.firstStateSeq = s.seq;
    this.statesReceived++;
    this.state = s;
    // Targets start at the follower's pose: connecting never makes it jump.
    const joints = this.snap.session?.joints;
    if (this.targets.length === 0 && joints) {
      this.targets = fromJointMap(joints, s.joints);
      this.update({ targets: [...this.targets] });
    }
    const sync = this.held.control!.sync;
    if (s.applied_seq > this.lastApplied && sync.synced) {
      this.lastApplied = s.applied_seq;
      const sent = this.sentAt[s.applied_seq % SENT_KEPT]!;
      // applied_t is the station's clock; station − ours = offset.
      if (Number.isFinite(sent)) this.ages.push(s.applied_t - sync.offsetMs - sent);
      if (this.ages.length > 200) this.ages.shift();
    }
  }

  private onVideoSample(captureMs: number, arrivedMs: number): void {
    const sync = this.held.control?.sync;
    if (!sync?.synced) return;
    // The capture time is the station's clock; station − ours = offset.
    this.videoLatencies.push(arrivedMs + sync.offsetMs - captureMs);
    if (this.videoLatencies.length > 100) this.videoLatencies.shift();
  }

  private tick(): void {
    const link = this.held.link;
    if (!link) return;
    // A command sent within the last period (the leader's) is fresh enough: no duplicate.
    if (this.deps.clock.now() - this.lastSentAt >= this.periodMs() * 0.75) this.send();
    if (++this.ticks % 5 === 0) this.refresh(link);
  }

  private periodMs(): number {
    return 1000 / (this.deps.commandHz ?? 50);
  }

  private send(): void {
    const link = this.held.link;
    const joints = this.snap.session?.joints;
    if (!link || !joints || this.targets.length === 0) return;
    const seq = this.seq++;
    const t = this.deps.clock.now();
    this.sentAt[seq % SENT_KEPT] = t;
    this.lastSentAt = t;
    link.send("action", encode({ t, seq, goal: toJointMap(joints, this.targets), obs_seq: this.state?.seq ?? -1 }));
  }

  private refresh(link: ListenableLink): void {
    const control = this.held.control!;
    if (this.ticks % 50 === 0) control.ping();
    const q = (p: number, xs = this.ages) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : NaN;
    };
    const span = this.state ? this.state.seq - this.firstStateSeq + 1 : 0;
    const base = {
      commandsSent: this.seq,
      cmdAgeP50Ms: q(0.5),
      cmdAgeP99Ms: q(0.99),
      stateLoss: span > 0 ? 1 - this.statesReceived / span : NaN,
      videoLatencyP50Ms: q(0.5, this.videoLatencies),
    };
    if (this.targetsDirty) {
      this.targetsDirty = false;
      this.update({ targets: [...this.targets] });
    }
    this.update({
      loop: this.state?.loop,
      hold: this.state?.hold ?? true,
      link: { ...this.snap.link, ...base, rttMs: control.sync.rttMs },
    });
    if (this.ticks % 50 === 0)
      void link.stats().then((st) => {
        if (this.held.link === link)
          this.update({
            link: {
              ...this.snap.link,
              videoKbps: st.videoKbps,
              videoFps: st.videoFps,
              videoPacketsLost: st.videoPacketsLost,
              path: st.path,
            },
          });
      });
  }

  private finish(message: string, failed: boolean): void {
    const held = this.held;
    this.held = {};
    releasePeer(held, message);
    for (const stop of this.watchers.splice(0)) stop();
    for (const t of this.snap.tracks) t.track.stop();
    this.update({ status: "ended", message, error: failed ? message : undefined, tracks: [] });
  }
}
