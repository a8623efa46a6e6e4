/**
 * A machine-readable timecode drawn into video frames (docs/timecode.md), so that the
 * synchronisation of a recording can be checked from the stored video alone.
 *
 * The simulated camera draws, in the top-left corner of every frame, a grid of large black
 * and white cells carrying the frame's capture time (ms on the page clock, performance.now())
 * and a frame counter. It is designed to survive lossy coding (AV1, H.264, VP9, 4:2:0) by
 * using big cells, reading only each cell's centre, and thresholding against black and white
 * reference cells measured in the same frame.
 *
 * Format (version 1):
 *
 * - Grid: {@link TIMECODE_COLS} = 16 columns × {@link TIMECODE_ROWS} = 6 rows of square cells,
 *   cell side `c = max(4, floor(min(width, height) / 60))` px (8 px at 640×480, 12 at 1280×720),
 *   top-left cell at (c, c). The grid needs 18c × 8c px, so any frame ≥ 160×120 holds it.
 *   Cell (col, row) covers x ∈ [c + col·c, c + (col+1)·c), y ∈ [c + row·c, c + (row+1)·c).
 * - A cell is white (luma ≥ ~235, bit 1) or black (luma ≤ ~16, bit 0).
 * - Row 0 is the guard pattern {@link TIMECODE_GUARD}: 16 fixed cells (8 white, 8 black) that
 *   mark the timecode as present and give the reference black and white levels.
 * - Rows 1–5 hold 80 payload bits, row-major, most significant bit first:
 *   4 bits version (= 1), 4 bits reserved (= 0), 40 bits capture time in whole ms (rounded;
 *   2^40 ms ≈ 34 years), 16 bits frame counter (mod 65536), 16 bits CRC-16/CCITT-FALSE
 *   (poly 0x1021, init 0xFFFF, no reflection, no final xor) over the preceding 64 bits taken
 *   as 8 bytes.
 *
 * Decoding: the mean luma of the central half (c/2 × c/2) of each cell is compared with the
 * midpoint between the mean of the guard's white cells and of its black cells. The frame is
 * rejected (null) when a guard cell disagrees with the pattern, when the white/black contrast
 * is below 64 levels, when any cell's level lies too close to the threshold to be read with
 * confidence, when the version is unknown or the CRC does not match. A CRC-16 with this
 * polynomial detects every error of up to 3 flipped bits in an 80-bit message, so a few
 * unreadable cells yield null, never a wrong time.
 */

export const TIMECODE_COLS = 16;
export const TIMECODE_ROWS = 6;
const TIMECODE_VERSION = 1;
/** Row 0 of the grid: 1 = white, 0 = black. */
export const TIMECODE_GUARD: readonly number[] = [1, 0, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1];
/** Capture times must be in [0, 2^40) ms. */
export const TIMECODE_MAX_MS = 2 ** 40;
/** Smallest frame that holds the grid. */
const TIMECODE_MIN_WIDTH = 160;
const TIMECODE_MIN_HEIGHT = 120;

const MIN_CONTRAST = 64;
/** Cells closer to the threshold than this fraction of the contrast are unreadable. */
const AMBIGUITY = 0.15;

/** Where the timecode grid sits in a frame of the given size (all in px). */
export interface TimecodeLayout {
  /** Side of one cell. */
  cell: number;
  /** Top-left corner of cell (0, 0). */
  x: number;
  y: number;
  cols: number;
  rows: number;
  /** Grid size: cols·cell × rows·cell. */
  width: number;
  height: number;
}

/**
 * The grid's cell size and position for a frame of `width`×`height` px.
 * Throws a RangeError when the frame is smaller than 160×120.
 */
export function timecodeLayout(width: number, height: number): TimecodeLayout {
  if (!(width >= TIMECODE_MIN_WIDTH && height >= TIMECODE_MIN_HEIGHT)) {
    throw new RangeError(
      `A ${width}×${height} frame is too small for the timecode: it needs at least ${TIMECODE_MIN_WIDTH}×${TIMECODE_MIN_HEIGHT}.`,
    );
  }
  const cell = Math.max(4, Math.floor(Math.min(width, height) / 60));
  return { cell, x: cell, y: cell, cols: TIMECODE_COLS, rows: TIMECODE_ROWS, width: TIMECODE_COLS * cell, height: TIMECODE_ROWS * cell };
}

/** CRC-16/CCITT-FALSE over bytes. */
export function crc16(bytes: ArrayLike<number>): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) {
    crc ^= ((bytes[i] ?? 0) & 0xff) << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function payloadBytes(ms: number, frame: number): Uint8Array {
  const bytes = new Uint8Array(8);
  bytes[0] = (TIMECODE_VERSION << 4) | 0;
  // 40-bit time, big-endian: high 8 bits then low 32 bits.
  const hi = Math.floor(ms / 2 ** 32);
  const lo = ms - hi * 2 ** 32;
  bytes[1] = hi & 0xff;
  bytes[2] = (lo >>> 24) & 0xff;
  bytes[3] = (lo >>> 16) & 0xff;
  bytes[4] = (lo >>> 8) & 0xff;
  bytes[5] = lo & 0xff;
  bytes[6] = (frame >>> 8) & 0xff;
  bytes[7] = frame & 0xff;
  return bytes;
}

/**
 * The grid's cells for a capture time (ms, rounded to a whole ms) and frame counter (taken
 * mod 65536), row-major, `TIMECODE_COLS × TIMECODE_ROWS` long: 1 = white, 0 = black.
 * Throws a RangeError for a time outside [0, 2^40) ms.
 */
export function timecodeBits(timeMs: number, frame: number): Uint8Array {
  const ms = Math.round(timeMs);
  if (!Number.isFinite(ms) || ms < 0 || ms >= TIMECODE_MAX_MS) throw new RangeError(`Timecode time ${timeMs} ms is outside 0…2^40 ms.`);
  const f = ((Math.trunc(frame) % 65536) + 65536) % 65536;
  const bytes = payloadBytes(ms, f);
  const crc = crc16(bytes);
  const all = new Uint8Array(10);
  all.set(bytes);
  all[8] = crc >>> 8;
  all[9] = crc & 0xff;
  const cells = new Uint8Array(TIMECODE_COLS * TIMECODE_ROWS);
  cells.set(TIMECODE_GUARD);
  for (let i = 0; i < 80; i++) cells[TIMECODE_COLS + i] = ((all[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
  return cells;
}

/**
 * Draws the timecode into a luma (or any 8-bit single-channel) plane: white cells 255,
 * black cells 0. Used by tests and by pure renderers; the simulated camera draws the same
 * cells with canvas fillRect.
 */
export function drawTimecodeLuma(luma: Uint8Array, width: number, height: number, timeMs: number, frame: number, stride = width): void {
  const layout = timecodeLayout(width, height);
  const cells = timecodeBits(timeMs, frame);
  for (let r = 0; r < layout.rows; r++) {
    for (let c = 0; c < layout.cols; c++) {
      const v = cells[r * layout.cols + c] ? 255 : 0;
      const x0 = layout.x + c * layout.cell;
      const y0 = layout.y + r * layout.cell;
      for (let y = y0; y < y0 + layout.cell; y++) luma.fill(v, y * stride + x0, y * stride + x0 + layout.cell);
    }
  }
}

/** Mean of the central half of each cell, row-major. */
function cellLevels(luma: Uint8Array, stride: number, layout: TimecodeLayout): Float64Array {
  const levels = new Float64Array(layout.cols * layout.rows);
  const inset = Math.floor(layout.cell / 4);
  const side = Math.max(1, layout.cell - 2 * inset);
  for (let r = 0; r < layout.rows; r++) {
    for (let c = 0; c < layout.cols; c++) {
      const x0 = layout.x + c * layout.cell + inset;
      const y0 = layout.y + r * layout.cell + inset;
      let sum = 0;
      for (let y = y0; y < y0 + side; y++) {
        const row = y * stride;
        for (let x = x0; x < x0 + side; x++) sum += luma[row + x] ?? 0;
      }
      levels[r * layout.cols + c] = sum / (side * side);
    }
  }
  return levels;
}

/** A decoded timecode: capture time (whole ms, page clock) and frame counter (mod 65536). */
export interface Timecode {
  timeMs: number;
  frame: number;
}

/**
 * Reads the timecode from a frame's luma plane (Y of I420/NV12, or any 8-bit grey image).
 * `stride` is the number of bytes per row (defaults to `width`).
 * Returns null when the timecode is absent, unreadable or fails its checksum — never a guess.
 */
export function decodeTimecode(luma: Uint8Array, width: number, height: number, stride = width): Timecode | null {
  if (width < TIMECODE_MIN_WIDTH || height < TIMECODE_MIN_HEIGHT || stride < width || luma.length < stride * (height - 1) + width)
    return null;
  const layout = timecodeLayout(width, height);
  const levels = cellLevels(luma, stride, layout);
  let white = 0;
  let black = 0;
  let nWhite = 0;
  let nBlack = 0;
  for (let i = 0; i < TIMECODE_COLS; i++) {
    const v = levels[i] ?? 0;
    if (TIMECODE_GUARD[i]) {
      white += v;
      nWhite++;
    } else {
      black += v;
      nBlack++;
    }
  }
  white /= nWhite;
  black /= nBlack;
  const contrast = white - black;
  if (!(contrast >= MIN_CONTRAST)) return null;
  const threshold = (white + black) / 2;
  const margin = AMBIGUITY * contrast;
  const bits = new Uint8Array(levels.length);
  for (let i = 0; i < levels.length; i++) {
    const v = levels[i] ?? 0;
    if (Math.abs(v - threshold) < margin) return null;
    bits[i] = v > threshold ? 1 : 0;
  }
  for (let i = 0; i < TIMECODE_COLS; i++) if (bits[i] !== TIMECODE_GUARD[i]) return null;
  const bytes = new Uint8Array(10);
  for (let i = 0; i < 80; i++) bytes[i >> 3] = (bytes[i >> 3] ?? 0) | ((bits[TIMECODE_COLS + i] ?? 0) << (7 - (i & 7)));
  if ((bytes[0] ?? 0) !== TIMECODE_VERSION << 4) return null;
  const crc = ((bytes[8] ?? 0) << 8) | (bytes[9] ?? 0);
  if (crc16(bytes.subarray(0, 8)) !== crc) return null;
  const hi = bytes[1] ?? 0;
  const lo = (((bytes[2] ?? 0) << 24) >>> 0) + ((bytes[3] ?? 0) << 16) + ((bytes[4] ?? 0) << 8) + (bytes[5] ?? 0);
  return { timeMs: hi * 2 ** 32 + lo, frame: ((bytes[6] ?? 0) << 8) | (bytes[7] ?? 0) };
}
