import { createStore, type StoreApi } from "zustand/vanilla";
import type { Clock } from "../core/clock.ts";
import { SampleFrame } from "../core/LatestSample.ts";
import type { RgbaImage } from "../core/letterbox.ts";
import { messageOf } from "../core/messages.ts";
import type { TeleopController } from "../control/index.ts";
import { isDriving } from "../control/index.ts";
import { DEFAULT_MAPPING, type PolicyMapping } from "../control/policyIo.ts";
import { PolicyRunner } from "../control/PolicyRunner.ts";
import { RolloutSession, type RolloutSnapshot } from "../control/RolloutSession.ts";
import type { PolicyClient } from "../protocol/openpi/policy.ts";
import { followTakes, LiveLanguage } from "../recording/LiveLanguage.ts";
import { RolloutRecorder, type RolloutTakeSession } from "../recording/RolloutRecorder.ts";
import type { EpisodeStore } from "../storage/EpisodeStore.ts";
import { createLiveLanguageStore, type LiveLanguageStore } from "./liveLanguageStore.ts";
import type { RecordingStore } from "./recordingStore.ts";
import type { TeleopStore } from "./teleopStore.ts";

export type { RolloutPhase } from "../control/RolloutSession.ts";

/** The reference server's address (`npm run policy-server`). */
export const DEFAULT_POLICY_URL = "ws://127.0.0.1:8000";

export interface RolloutSettings {
  readonly url: string;
  /** The instruction: the policy's prompt (and the episode's task). */
  readonly prompt: string;
  /** Record the rollout (how: `recordMode`). */
  readonly record: boolean;
  /** The whole rollout as one episode with the corrected rows flagged, or one episode per correction window. */
  readonly recordMode: "whole" | "corrections";
  readonly datasetName: string;
  readonly mapping: PolicyMapping;
  /** Where the policy runs: a policy server at `url` (default), or the ONNX model chosen in this browser. */
  readonly source?: "server" | "onnx";
}

export interface RolloutState extends RolloutSnapshot {
  readonly settings: RolloutSettings;
  /** What happened to the recording (saved where), or why it failed. */
  readonly recordingNote: string | undefined;
  readonly busy: boolean;
  /** A correction take records now (corrections only). */
  readonly taking: boolean;
  /** Language in the loop (keys I and N, as while recording): an instruction is the policy's prompt at once. */
  readonly liveLanguage: LiveLanguageStore;
  configure(patch: Partial<RolloutSettings>): void;
  start(): Promise<void>;
  /** Space (or a gamepad button, or a foot pedal's key): take over / hand back. */
  toggle(): void;
  stop(): Promise<void>;
}

export type RolloutStore = StoreApi<RolloutState>;

export interface RolloutBackends {
  readonly clock: Clock;
  readonly controller: TeleopController;
  readonly teleop: TeleopStore;
  readonly recording: RecordingStore;
  readonly episodes: EpisodeStore;
  /** A client for the server at `url` (the app picks the implementation). */
  readonly client: (url: string) => PolicyClient;
  /** The ONNX model chosen in this browser: its client and mapping for a follower, or an Error naming what does not fit. */
  readonly onnx?: { prepare(joints?: readonly string[]): { connect: () => PolicyClient; mapping: PolicyMapping } };
  /** The newest frame of a camera (the app grabs it from the camera's track). */
  readonly frame?: (camera: string) => RgbaImage | undefined;
  readonly newId?: () => string;
}

/**
 * Binds a {@link RolloutSession} to React, with what a rollout needs around it: teleoperation
 * running (the policy acts through the loop), the policy runner built from the settings, what is
 * recorded ({@link RolloutRecorder} decides: the whole rollout, or one episode per correction), and
 * the rollout's own live-language engine over the recording's takes: an instruction typed
 * (key I) changes the policy's prompt at once and is stamped on the row of Enter.
 */
export function createRolloutStore(b: RolloutBackends): RolloutStore {
  const session = new RolloutSession(b.clock, b.controller);
  const frame = new SampleFrame(1);
  let sampleFrame = frame;
  const newId = b.newId ?? (() => crypto.randomUUID());
  /** Bumped by stop: a start still on its way (teleop, recording) gives up. */
  let token = 0;
  /** The mapping of the rollout under way (the cameras observe grabs). */
  let active: PolicyMapping = DEFAULT_MAPPING;

  /** A camera's video starts on first use: wait for its first frame (up to 1 s), then the runner holds naming it. */
  const firstFrame = async (camera: string): Promise<RgbaImage | undefined> => {
    for (let i = 0; i < 10; i++) {
      await new Promise<void>((resolve) => b.clock.timeout(100, resolve));
      const img = b.frame?.(camera);
      if (img) return img;
    }
    return undefined;
  };

  const observe = async () => {
    await Promise.resolve();
    const v = b.controller.snapshot;
    const joints = v.status?.joints.length ?? 0;
    if (sampleFrame.joints !== joints) sampleFrame = new SampleFrame(joints);
    const fresh = v.shared ? v.shared.read(sampleFrame) : false;
    const f = fresh ? sampleFrame : v.status ? SampleFrame.fromArray(v.status.sample, joints) : undefined;
    if (!f) throw new Error("no sample from the control loop yet");
    const images = new Map<string, RgbaImage>();
    for (const { camera } of active.images) {
      const img = b.frame?.(camera) ?? (await firstFrame(camera));
      if (img) images.set(camera, img);
    }
    return { t: b.clock.now(), state: Array.from(f.follower), images };
  };

  const takes: RolloutTakeSession = {
    get snapshot() {
      return b.recording.getState();
    },
    subscribe: (fn) => b.recording.subscribe((s) => fn(s)),
    configure: (patch) => b.recording.getState().update(patch),
    start: (opts) => b.recording.getState().start(opts),
    next: () => b.recording.getState().next(),
    stop: () => b.recording.getState().stop(),
  };
  const live = new LiveLanguage({ clock: b.clock, store: b.episodes, stampAt: "submit", onInterjection: (e) => session.interject(e.text) });
  followTakes(takes, live);
  const recorder = new RolloutRecorder({ takes, rollout: session, episodes: b.episodes, live, newId });

  const store = createStore<RolloutState>()((set, get) => ({
    ...session.snapshot,
    settings: {
      url: DEFAULT_POLICY_URL,
      prompt: "reach for the cube",
      record: true,
      recordMode: "whole",
      datasetName: "rollouts",
      mapping: DEFAULT_MAPPING,
    },
    recordingNote: undefined,
    busy: false,
    taking: false,
    liveLanguage: createLiveLanguageStore(live),

    configure(patch) {
      set({ settings: { ...get().settings, ...patch } });
    },

    async start() {
      if (session.active || get().busy) return;
      const mine = ++token;
      set({ busy: true, recordingNote: undefined, message: undefined });
      try {
        if (get().settings.source === "onnx") {
          if (!b.onnx) throw new Error("This studio cannot run ONNX models.");
          b.onnx.prepare(); // a model that does not fit stops here, before teleoperation drives the follower
        }
        if (!isDriving(b.teleop.getState().status)) await b.teleop.getState().start();
        if (mine !== token) return;
        const status = b.controller.snapshot.status;
        if (!status || !isDriving(status))
          throw new Error(b.controller.snapshot.error ?? "Teleoperation did not start: connect and calibrate a follower (Rig screen).");
        const s = get().settings;
        const onnx = s.source === "onnx" ? b.onnx?.prepare(status.joints) : undefined; // this follower's joints
        active = onnx?.mapping ?? s.mapping;
        const runner = new PolicyRunner(
          {
            clock: b.clock,
            connect: onnx?.connect ?? (() => b.client(s.url)),
            sink: { playChunk: (c) => b.controller.playChunk(c), hold: () => b.controller.setSource("manual") },
            observe,
            joints: status.joints,
            ranges: status.ranges,
            grippers: status.joints.map((j) => j === "gripper"),
            mapping: active,
          },
          s.prompt,
        );
        await recorder.begin({ mode: s.record ? s.recordMode : "off", datasetName: s.datasetName, task: s.prompt });
        if (mine !== token) {
          await recorder.end();
          return;
        }
        await session.start(runner);
      } catch (e) {
        if (mine === token) set({ message: messageOf(e) });
      } finally {
        if (mine === token) set({ busy: false });
      }
    },

    toggle: () => session.toggle(),

    async stop() {
      token++;
      session.stop();
      set({ busy: true });
      try {
        await recorder.end();
      } catch (e) {
        set({ recordingNote: `The rollout was not saved: ${messageOf(e)}` });
      } finally {
        set({ busy: false });
      }
    },
  }));
  session.subscribe((s) => store.setState(s));
  recorder.subscribe((r) => store.setState({ recordingNote: r.note, taking: r.taking }));
  return store;
}
