/** The ONNX policy a user chose (model bytes, the dataset's stats, settings), as kept across reloads. */
export interface SavedOnnxPolicy {
  readonly modelName: string;
  readonly model: Uint8Array;
  readonly statsName?: string;
  readonly statsText?: string;
  /** Image normalisation: ImageNet's stats (lerobot's default) or the dataset's camera stats. */
  readonly imageNorm: "imagenet" | "dataset";
  /** The camera (key) fed to image_i. */
  readonly cameras: readonly string[];
  readonly fps: number;
}
