/**
 * Codec strings for live encoding (WebCodecs), chosen by frame size and rate. Pure.
 *
 * - AV1 (default, as lerobot): Main profile, 8-bit 4:2:0, `av01.0.<level>M.08`, the smallest
 *   level of AV1 Annex A whose MaxPicSize, MaxHSize/MaxVSize and MaxDisplayRate hold the stream
 *   (640×480@30 → level 3.0 = "04", 1280×720@30 → level 3.1 = "05").
 * - H.264: Constrained Baseline `avc1.42E0<level>` (Main `avc1.4D40<level>` as a second choice),
 *   the smallest level whose MaxFS (macroblocks per frame) and MaxMBPS hold the stream
 *   (up to 1280×720@30 → 3.1 = "1F").
 * - VP9: Profile 0, 8-bit, `vp09.00.<level>.08`, the smallest level whose picture size and
 *   sample rate hold the stream (640×480@30 → level 3 = "30").
 */

export type CodecName = "av1" | "h264" | "vp9";

interface Level {
  id: string;
  maxPic: number;
  maxW: number;
  maxH: number;
  maxRate: number;
}

// AV1 Annex A (seq_level_idx as two digits).
const AV1_LEVELS: readonly Level[] = [
  { id: "00", maxPic: 147456, maxW: 2048, maxH: 1152, maxRate: 4423680 },
  { id: "01", maxPic: 278784, maxW: 2816, maxH: 1584, maxRate: 8363520 },
  { id: "04", maxPic: 665856, maxW: 4352, maxH: 2448, maxRate: 19975680 },
  { id: "05", maxPic: 1065024, maxW: 5504, maxH: 3096, maxRate: 31950720 },
  { id: "08", maxPic: 2359296, maxW: 6144, maxH: 3456, maxRate: 70778880 },
  { id: "09", maxPic: 2359296, maxW: 6144, maxH: 3456, maxRate: 141557760 },
  { id: "12", maxPic: 8912896, maxW: 8192, maxH: 4352, maxRate: 267386880 },
  { id: "13", maxPic: 8912896, maxW: 8192, maxH: 4352, maxRate: 534773760 },
  { id: "14", maxPic: 8912896, maxW: 8192, maxH: 4352, maxRate: 1069547520 },
  { id: "16", maxPic: 35651584, maxW: 16384, maxH: 8704, maxRate: 1069547520 },
];

// H.264 Table A-1 (level_idc in hex): MaxFS in macroblocks, MaxMBPS. Width/height limit: sqrt(8·MaxFS) macroblocks.
const H264_LEVELS: readonly Level[] = [
  { id: "1E", maxPic: 1620, maxW: 0, maxH: 0, maxRate: 40500 },
  { id: "1F", maxPic: 3600, maxW: 0, maxH: 0, maxRate: 108000 },
  { id: "20", maxPic: 5120, maxW: 0, maxH: 0, maxRate: 216000 },
  { id: "28", maxPic: 8192, maxW: 0, maxH: 0, maxRate: 245760 },
  { id: "2A", maxPic: 8704, maxW: 0, maxH: 0, maxRate: 522240 },
  { id: "32", maxPic: 22080, maxW: 0, maxH: 0, maxRate: 589824 },
  { id: "33", maxPic: 36864, maxW: 0, maxH: 0, maxRate: 983040 },
  { id: "34", maxPic: 36864, maxW: 0, maxH: 0, maxRate: 2073600 },
];

// VP9 levels: max picture size (samples), max luma sample rate, max dimension.
const VP9_LEVELS: readonly Level[] = [
  { id: "10", maxPic: 36864, maxW: 512, maxH: 512, maxRate: 829440 },
  { id: "11", maxPic: 73728, maxW: 768, maxH: 768, maxRate: 2764800 },
  { id: "20", maxPic: 122880, maxW: 960, maxH: 960, maxRate: 4608000 },
  { id: "21", maxPic: 245760, maxW: 1344, maxH: 1344, maxRate: 9216000 },
  { id: "30", maxPic: 552960, maxW: 2048, maxH: 2048, maxRate: 20736000 },
  { id: "31", maxPic: 983040, maxW: 2752, maxH: 2752, maxRate: 36864000 },
  { id: "40", maxPic: 2228224, maxW: 4160, maxH: 4160, maxRate: 83558400 },
  { id: "41", maxPic: 2228224, maxW: 4160, maxH: 4160, maxRate: 160432128 },
  { id: "50", maxPic: 8912896, maxW: 8384, maxH: 8384, maxRate: 311951360 },
  { id: "51", maxPic: 8912896, maxW: 8384, maxH: 8384, maxRate: 588251136 },
  { id: "52", maxPic: 8912896, maxW: 8384, maxH: 8384, maxRate: 1176502272 },
  { id: "60", maxPic: 35651584, maxW: 16832, maxH: 16832, maxRate: 1176502272 },
];

function pick(levels: readonly Level[], fits: (l: Level) => boolean): string {
  const l = levels.find(fits) ?? levels[levels.length - 1]!;
  return l.id;
}

/** The AV1 level (seq_level_idx, two digits) for a stream. */
export function av1Level(width: number, height: number, fps: number): string {
  const pic = width * height;
  return pick(AV1_LEVELS, (l) => pic <= l.maxPic && width <= l.maxW && height <= l.maxH && pic * fps <= l.maxRate);
}

/** The H.264 level_idc (two hex digits) for a stream. */
export function h264Level(width: number, height: number, fps: number): string {
  const mbW = Math.ceil(width / 16);
  const mbH = Math.ceil(height / 16);
  const fs = mbW * mbH;
  return pick(H264_LEVELS, (l) => {
    const maxDim = Math.sqrt(8 * l.maxPic);
    return fs <= l.maxPic && mbW <= maxDim && mbH <= maxDim && fs * fps <= l.maxRate;
  });
}

/** The VP9 level (two digits) for a stream. */
export function vp9Level(width: number, height: number, fps: number): string {
  const pic = width * height;
  return pick(VP9_LEVELS, (l) => pic <= l.maxPic && width <= l.maxW && height <= l.maxH && pic * fps <= l.maxRate);
}

/**
 * WebCodecs codec strings to try, best first, for a codec at a given size and rate.
 * H.264 offers Constrained Baseline then Main.
 */
export function codecStrings(codec: CodecName, width: number, height: number, fps: number): string[] {
  switch (codec) {
    case "av1":
      return [`av01.0.${av1Level(width, height, fps)}M.08`];
    case "h264": {
      const level = h264Level(width, height, fps);
      return [`avc1.42E0${level}`, `avc1.4D40${level}`];
    }
    case "vp9":
      return [`vp09.00.${vp9Level(width, height, fps)}.08`];
  }
}

/** A default target bitrate (bits/s): 0.15 bit per pixel per frame, at least 200 kbit/s. */
export function defaultBitrate(width: number, height: number, fps: number): number {
  return Math.max(200_000, Math.round(width * height * fps * 0.15));
}

/** Video timestamp (µs) of row k at a constant frame rate: round(k·10^6 / fps). */
export function rowTimestampUs(row: number, fps: number): number {
  return Math.round((row * 1e6) / fps);
}

/** The row a constant-frame-rate timestamp (µs) stands for. */
export function rowOfTimestampUs(timestampUs: number, fps: number): number {
  return Math.round((timestampUs * fps) / 1e6);
}
