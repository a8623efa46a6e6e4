/**
 * The QA flag of a camera whose encoder fell behind during a take: which rows repeat the frame
 * before them (the encoder's degrade policy, capture/EncodeGovernor.ts), when its cost was
 * lowered, and what to do next — never advising the codec already in use.
 */
import type { QaFlag, QaWindow } from "./dataset.ts";
import { describeWindows } from "./jointQa.ts";

export type EncoderCodec = "av1" | "h264" | "vp9";

export interface EncoderQaInput {
  codec: EncoderCodec;
  /** Rows the encoder was given (encoded or repeated). */
  rows: number;
  repeatedRows: number;
  /** Repeated rows, as row spans (both ends included). */
  repeatSpans: ReadonlyArray<{ from: number; to: number }>;
  /** Each step down in cost (bitrate, keyframe rate): the row it applied from. */
  levelChanges: ReadonlyArray<{ row: number; level: number }>;
}

const CODEC_LABEL: Record<EncoderCodec, string> = { av1: "AV1", h264: "H.264", vp9: "VP9" };

/** "AV1", "H.264", "VP9". */
export function codecLabel(codec: EncoderCodec): string {
  return CODEC_LABEL[codec];
}

/** "AV1 or H.264": the codecs other than `codec`. */
export function otherCodecs(codec: EncoderCodec): string {
  const others = (Object.keys(CODEC_LABEL) as EncoderCodec[]).filter((c) => c !== codec).map((c) => CODEC_LABEL[c]);
  return others.join(" or ");
}

/** Rows repeated by a camera's encoder → one "frames_lost" flag (none when no row was repeated). */
export function encoderQa(key: string, enc: EncoderQaInput, fps: number): QaFlag[] {
  if (enc.repeatedRows <= 0) return [];
  const windows: QaWindow[] = enc.repeatSpans.map((s) => ({ from: s.from / fps, to: s.to / fps }));
  const pct = enc.rows > 0 ? (100 * enc.repeatedRows) / enc.rows : NaN;
  const lowered =
    enc.levelChanges.length > 0
      ? ` It had lowered its bitrate and keyframe rate from ${(enc.levelChanges[0]!.row / fps).toFixed(1)} s.`
      : "";
  return [
    {
      kind: "frames_lost",
      subject: key,
      message:
        `Camera "${key}": the ${CODEC_LABEL[enc.codec]} encoder fell behind, so ${enc.repeatedRows} of ${enc.rows} rows ` +
        `(${Number.isFinite(pct) ? pct.toFixed(1) : "?"} %) repeat the frame before them, at ${describeWindows(windows)}.${lowered} ` +
        `To record every frame: lower this camera's resolution or frame rate, record fewer cameras, close other heavy apps, ` +
        `or try ${otherCodecs(enc.codec)} (the codec setting "auto" measures which keeps up).`,
      windows,
    },
  ];
}
