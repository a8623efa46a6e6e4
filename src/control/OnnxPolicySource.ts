/**
 * The ONNX model a rollout runs in this browser: the .onnx file and the dataset's stats.json the
 * user picked, checked as soon as they are picked (the model is loaded once to read its inputs and
 * outputs, then released), kept across reloads through {@link OnnxPolicyPersistence}, and turned
 * into a {@link PolicyClient} factory plus the observation mapping when a rollout starts.
 *
 * A model or stats that do not fit are reported with the input or key at fault; `prepare` throws
 * that message, so a rollout with a wrong model never starts acting.
 *
 * Lifecycle: a pick replaces the previous one synchronously (a check still on its way for an older
 * pick is dropped: pick tokens).
 */
import type { Clock } from "../core/clock.ts";
import type { SavedOnnxPolicy } from "../core/onnxPolicy.ts";
import { JOINT_NAMES } from "../core/robots.ts";
import { type ActContract, checkActSignature, type ModelSignature, ModelRefused } from "../protocol/onnx/actContract.ts";
import { type ActStats, fitStats, type ImageNorm, parseLerobotStats } from "../protocol/onnx/actStats.ts";
import type { PolicyClient } from "../protocol/openpi/policy.ts";
import type { OnnxBackend } from "../hardware/policy/onnx/OnnxBackend.ts";
import { OnnxPolicyClient } from "../hardware/policy/OnnxPolicyClient.ts";
import { DEFAULT_MAPPING, type PolicyMapping } from "./policyIo.ts";
import { SnapshotEngine } from "./SnapshotEngine.ts";

export interface OnnxPolicyPersistence {
  load(): Promise<SavedOnnxPolicy | undefined>;
  save(saved: SavedOnnxPolicy): Promise<void>;
}

export interface OnnxSourceSnapshot {
  readonly modelName: string | undefined;
  readonly modelBytes: number;
  /** The model's inputs and outputs as it declares them (once checked). */
  readonly signature: ModelSignature | undefined;
  readonly provider: string | undefined;
  readonly statsName: string | undefined;
  readonly imageNorm: ImageNorm;
  /** The camera fed to image_i (by camera key). */
  readonly cameras: readonly string[];
  readonly fps: number;
  readonly checking: boolean;
  /** What does not fit (names the input or stats key), or undefined when the model and stats fit. */
  readonly problem: string | undefined;
  /** Why the choice could not be saved for the next visit. */
  readonly saveError: string | undefined;
}

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class OnnxPolicySource extends SnapshotEngine<OnnxSourceSnapshot> {
  private model: Uint8Array | undefined;
  private statsText: string | undefined;
  private stats: ActStats | undefined;
  private token = 0;
  private restoring: Promise<void> | undefined;

  constructor(
    private readonly backend: OnnxBackend,
    private readonly clock: Clock,
    private readonly persistence?: OnnxPolicyPersistence,
    /** The studio's cameras (keys), which can feed image_0 … */
    private readonly cameraKeys: () => readonly string[] = () => [],
  ) {
    super({
      modelName: undefined,
      modelBytes: 0,
      signature: undefined,
      provider: undefined,
      statsName: undefined,
      imageNorm: "imagenet",
      cameras: [],
      fps: 30,
      checking: false,
      problem: undefined,
      saveError: undefined,
    });
  }

  /** The model and stats saved by an earlier visit, if any. */
  restore(): Promise<void> {
    this.restoring ??= (async () => {
      const saved = await this.persistence?.load().catch(() => undefined);
      if (!saved || this.snap.modelName !== undefined) return;
      this.update({ imageNorm: saved.imageNorm, cameras: saved.cameras, fps: saved.fps });
      if (saved.statsText !== undefined && saved.statsName !== undefined) this.setStats(saved.statsName, saved.statsText, false);
      await this.setModel(saved.modelName, saved.model, false);
    })();
    return this.restoring;
  }

  /** A new .onnx file: loaded once to read and check its inputs and outputs. */
  async setModel(name: string, bytes: Uint8Array, save = true): Promise<void> {
    const token = ++this.token;
    this.model = bytes;
    this.update({
      modelName: name,
      modelBytes: bytes.byteLength,
      signature: undefined,
      provider: undefined,
      checking: true,
      problem: undefined,
    });
    let signature: ModelSignature | undefined;
    let provider: string | undefined;
    let problem: string | undefined;
    try {
      const session = await this.backend.load(bytes);
      signature = session.signature;
      provider = session.provider;
      session.release();
    } catch (e) {
      problem = `${name} could not be loaded as an ONNX model: ${messageOf(e)}`;
    }
    if (token !== this.token) return;
    this.update({ signature, provider, checking: false });
    this.update({ problem: problem ?? this.check(JOINT_NAMES).problem });
    if (save) await this.save();
  }

  /** A new stats.json (lerobot's meta/stats.json of the dataset the policy was trained on). */
  setStats(name: string, text: string, save = true): void {
    this.statsText = text;
    this.update({ statsName: name });
    try {
      this.stats = parseLerobotStats(text);
    } catch (e) {
      this.stats = undefined;
      this.update({ problem: messageOf(e) });
      if (save) void this.save();
      return;
    }
    this.update({ problem: this.check(JOINT_NAMES).problem });
    if (save) void this.save();
  }

  configure(patch: Partial<Pick<OnnxSourceSnapshot, "imageNorm" | "cameras" | "fps">>): void {
    this.update(patch);
    if (!this.snap.checking) this.update({ problem: this.check(JOINT_NAMES).problem });
    void this.save();
  }

  /**
   * For a rollout on a follower with `joints` (default: the joints every supported arm has), with
   * the studio's cameras (keys): the client factory and the observation mapping, or an Error naming
   * what does not fit (nothing has moved).
   */
  prepare(
    joints: readonly string[] = JOINT_NAMES,
    cameraKeys = this.cameraKeys(),
  ): { connect: () => PolicyClient; mapping: PolicyMapping } {
    if (this.snap.checking) throw new Error("The ONNX model is still being checked: wait a moment, then start again.");
    const { problem, contract, stats } = this.check(joints, cameraKeys);
    if (problem || !contract || !stats || !this.model) throw new Error(problem ?? "Choose an ONNX model and its stats.json.");
    const s = this.snap;
    const images = contract.images.map((img, i) => ({ camera: s.cameras[i] ?? cameraKeys[i]!, key: img.name }));
    const first = contract.images[0];
    const mapping: PolicyMapping = {
      ...DEFAULT_MAPPING,
      stateKey: "state",
      units: "degrees",
      images,
      imageSize: first ? Math.max(first.width, first.height) : DEFAULT_MAPPING.imageSize,
      ...(first ? { imageBox: { width: first.width, height: first.height } } : {}),
      imageLayout: "chw",
      promptKey: "",
    };
    const model = this.model;
    const config = {
      backend: this.backend,
      clock: this.clock,
      model,
      modelName: s.modelName ?? "the model",
      stats,
      imageNorm: s.imageNorm,
    };
    return {
      connect: () => new OnnxPolicyClient({ ...config, joints, cameras: cameraKeys.length, fps: s.fps }),
      mapping,
    };
  }

  private check(
    joints: readonly string[],
    cameraKeys?: readonly string[],
  ): { problem: string | undefined; contract?: ActContract; stats?: ActStats } {
    const s = this.snap;
    if (!s.modelName) return { problem: "Choose the policy's .onnx file (lerobot's ACT export)." };
    if (!s.signature) return { problem: s.problem ?? "The model is still being checked." };
    try {
      const contract = checkActSignature(s.signature, joints, cameraKeys?.length);
      if (!this.stats)
        return {
          problem: s.statsName
            ? (s.problem ?? `${s.statsName} is not usable.`)
            : "Choose the stats.json of the dataset the policy was trained on (its meta/stats.json).",
        };
      fitStats(this.stats, contract, s.imageNorm);
      const sizes = new Set(contract.images.map((i) => `${i.width}×${i.height}`));
      if (sizes.size > 1)
        return { problem: `The model's images differ in size (${[...sizes].join(", ")}); the studio feeds every image at one size.` };
      if (cameraKeys) {
        for (let i = 0; i < contract.images.length; i++) {
          const cam = s.cameras[i] ?? cameraKeys[i];
          if (!cam || !cameraKeys.includes(cam))
            return { problem: `No camera feeds image_${i}${cam ? ` (camera ${cam} is not connected)` : ""}: pick one under "ONNX model".` };
        }
      }
      return { problem: undefined, contract, stats: this.stats };
    } catch (e) {
      if (e instanceof ModelRefused) return { problem: `${s.modelName} does not fit: ${e.message}` };
      throw e;
    }
  }

  private async save(): Promise<void> {
    const s = this.snap;
    if (!this.persistence || !this.model || !s.modelName) return;
    try {
      await this.persistence.save({
        modelName: s.modelName,
        model: this.model,
        ...(this.statsText !== undefined && s.statsName !== undefined ? { statsName: s.statsName, statsText: this.statsText } : {}),
        imageNorm: s.imageNorm,
        cameras: s.cameras,
        fps: s.fps,
      });
      if (s.saveError) this.update({ saveError: undefined });
    } catch (e) {
      this.update({ saveError: `The model was not saved for the next visit (${messageOf(e)}); it stays until the page closes.` });
    }
  }
}
