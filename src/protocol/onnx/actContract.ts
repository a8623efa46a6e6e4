/**
 * lerobot's ACT → ONNX export contract (lerobot PRs #3819/#4630, not merged upstream; see
 * docs/rollouts.md): inputs `state` float32 [batch, state_dim] and `image_0 … image_{N-1}` float32
 * [batch, 3, H, W], both normalised with the dataset's stats; output `action_chunk` float32
 * [batch, horizon, action_dim], normalised; opset 17, a dynamic batch axis.
 *
 * {@link checkActSignature} accepts a model's declared inputs and outputs for a follower, or
 * refuses it with a {@link ModelRefused} naming the input or output and what was expected — before
 * the model is ever run, so a wrong model never moves the arm.
 */

/** A model's declared input or output (onnxruntime's metadata: a symbolic dimension is a string). */
export interface TensorSpec {
  readonly name: string;
  /** onnxruntime's type name: "float32", "uint8", "int64", … ("non-tensor" for maps/sequences). */
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

export interface ModelSignature {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

export interface ActImageInput {
  readonly name: string;
  readonly height: number;
  readonly width: number;
}

/** What a model accepted by {@link checkActSignature} takes and gives. */
export interface ActContract {
  readonly stateDim: number;
  /** image_0 … image_{N-1}, in order. */
  readonly images: readonly ActImageInput[];
  /** Actions per chunk; undefined when the model declares it symbolically (known after a run). */
  readonly horizon: number | undefined;
  readonly actionDim: number;
}

/** A model that does not fit: `field` is the input or output at fault ("state", "image_1", "action_chunk.shape"). */
export class ModelRefused extends Error {
  override readonly name = "ModelRefused";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export const ACT_STATE = "state";
export const ACT_OUTPUT = "action_chunk";
const IMAGE = /^image_(\d+)$/;

const fmt = (shape: readonly (number | string)[]) => `[${shape.map((d) => (typeof d === "string" ? d || "?" : d)).join(", ")}]`;

/** A batch dimension: symbolic (dynamic), unknown (-1 / 0) or 1. */
const batchOk = (d: number | string | undefined) => typeof d === "string" || d === 1 || d === -1 || d === 0;

/** A fixed, positive dimension. */
const fixed = (d: number | string | undefined): d is number => typeof d === "number" && d > 0;

function refuse(field: string, message: string): never {
  throw new ModelRefused(field, message);
}

function checkFloat(t: TensorSpec, what: string): void {
  if (t.type !== "float32")
    refuse(t.name, `The model's input ${t.name} is ${t.type}; lerobot's ACT export takes ${what} as float32 (normalised).`);
}

/**
 * Accepts `sig` for a follower with `joints`, or throws {@link ModelRefused}. `cameras`: how many
 * cameras the studio can feed (undefined: not checked here).
 */
export function checkActSignature(sig: ModelSignature, joints: readonly string[], cameras?: number): ActContract {
  const n = joints.length;
  const names = sig.inputs.map((i) => i.name);
  const state = sig.inputs.find((i) => i.name === ACT_STATE);
  if (!state)
    refuse(
      ACT_STATE,
      `The model has no input "state" (its inputs: ${names.join(", ") || "none"}). lerobot's ACT export names its inputs state, image_0 … image_{N-1}: export the policy with that contract.`,
    );
  const extra = names.filter((name) => name !== ACT_STATE && !IMAGE.test(name));
  if (extra.length > 0)
    refuse(
      extra[0]!,
      `The model's input ${extra.join(", ")} is not in lerobot's ACT contract (state, image_0 … image_{N-1}); the studio cannot feed it.`,
    );
  checkFloat(state, "the joint state");
  if (state.shape.length !== 2 || !batchOk(state.shape[0]))
    refuse(ACT_STATE, `The model's input state is ${fmt(state.shape)}; expected [batch, ${n}] (the follower's ${n} joints).`);
  const stateDim = state.shape[1];
  if (typeof stateDim === "number" && stateDim !== n)
    refuse(
      ACT_STATE,
      `The model's input state takes ${stateDim} values; this follower has ${n} joints (${joints.join(", ")}). Use a model trained on this arm.`,
    );

  const indexed = sig.inputs.filter((i) => IMAGE.test(i.name)).sort((a, b) => imageIndex(a) - imageIndex(b));
  const images: ActImageInput[] = [];
  indexed.forEach((t, k) => {
    if (imageIndex(t) !== k)
      refuse(`image_${k}`, `The model has ${t.name} but no image_${k}: image inputs must be numbered image_0 … image_{N-1}.`);
    checkFloat(t, "images");
    const [b, c, h, w] = t.shape;
    if (t.shape.length !== 4 || !batchOk(b) || c !== 3 || !fixed(h) || !fixed(w))
      refuse(t.name, `The model's input ${t.name} is ${fmt(t.shape)}; expected [batch, 3, height, width] with a fixed height and width.`);
    images.push({ name: t.name, height: h, width: w });
  });
  if (cameras !== undefined && images.length > cameras)
    refuse(
      `image_${cameras}`,
      `The model takes ${images.length} images (image_0 … image_${images.length - 1}); the studio has ${cameras} camera${cameras === 1 ? "" : "s"}. Add a camera (Cameras screen).`,
    );

  const outNames = sig.outputs.map((o) => o.name);
  const out = sig.outputs.find((o) => o.name === ACT_OUTPUT);
  if (!out)
    refuse(
      ACT_OUTPUT,
      `The model has no output "action_chunk" (its outputs: ${outNames.join(", ") || "none"}). lerobot's ACT export names it action_chunk.`,
    );
  if (out.type !== "float32") refuse(ACT_OUTPUT, `The model's output action_chunk is ${out.type}; expected float32.`);
  const [ob, horizon, dim] = out.shape;
  if (out.shape.length !== 3 || !batchOk(ob))
    refuse(`${ACT_OUTPUT}.shape`, `The model's output action_chunk is ${fmt(out.shape)}; expected [batch, horizon, ${n}].`);
  if (typeof dim === "number" && dim !== n)
    refuse(
      `${ACT_OUTPUT}.shape`,
      `The model's action_chunk has ${dim} values per action; this follower has ${n} joints (${joints.join(", ")}). Use a model trained on this arm.`,
    );
  return { stateDim: n, images, horizon: fixed(horizon) ? horizon : undefined, actionDim: n };
}

function imageIndex(t: TensorSpec): number {
  return Number(IMAGE.exec(t.name)![1]);
}

/** A run's output, checked against the contract: [1, horizon, dim] float32 → its horizon, or a ModelRefused naming the field. */
export function checkActOutput(
  out: { readonly type: string; readonly dims: readonly number[]; readonly data: ArrayLike<number> } | undefined,
  contract: ActContract,
): number {
  if (!out) refuse(ACT_OUTPUT, "The model's run gave no action_chunk.");
  if (out.type !== "float32") refuse(ACT_OUTPUT, `The model's action_chunk came back ${out.type}, not float32.`);
  const [b, h, d] = out.dims;
  const expected = `[1, ${contract.horizon ?? "horizon"}, ${contract.actionDim}]`;
  if (
    out.dims.length !== 3 ||
    b !== 1 ||
    d !== contract.actionDim ||
    !(h! > 0) ||
    (contract.horizon !== undefined && h !== contract.horizon)
  )
    refuse(`${ACT_OUTPUT}.shape`, `The model's action_chunk came back [${out.dims.join(", ")}]; expected ${expected}.`);
  if (out.data.length !== h! * d!)
    refuse(ACT_OUTPUT, `The model's action_chunk has ${out.data.length} values for shape [${out.dims.join(", ")}].`);
  return h!;
}
