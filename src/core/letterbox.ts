/**
 * Resize with padding (openpi-client `image_tools.resize_with_pad`): the image is scaled to fit a
 * size×size square (or a width×height box) keeping its aspect ratio (bilinear), centred, the rest black. Input RGBA (as
 * canvas ImageData gives it), output uint8 RGB in "hwc" ([H, W, 3]) or "chw" ([3, H, W]) order.
 */
export type ImageLayout = "hwc" | "chw";

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** width × height × 4 bytes. */
  readonly data: Uint8Array | Uint8ClampedArray;
}

export function letterbox(
  img: RgbaImage,
  size: number | { readonly width: number; readonly height: number },
  layout: ImageLayout,
): Uint8Array {
  const { width: w, height: h, data } = img;
  if (!(w > 0 && h > 0) || data.length < w * h * 4) throw new RangeError(`An image of ${w}×${h} needs ${w * h * 4} bytes of RGBA.`);
  const W = typeof size === "number" ? size : size.width;
  const H = typeof size === "number" ? size : size.height;
  const out = new Uint8Array(W * H * 3);
  const scale = Math.min(W / w, H / h);
  const rw = Math.max(1, Math.round(w * scale));
  const rh = Math.max(1, Math.round(h * scale));
  const ox = Math.floor((W - rw) / 2);
  const oy = Math.floor((H - rh) / 2);
  const plane = W * H;
  for (let y = 0; y < rh; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / rh - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(h - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < rw; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / rw - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(w - 1, x0 + 1);
      const fx = sx - x0;
      const px = (oy + y) * W + ox + x;
      for (let c = 0; c < 3; c++) {
        const a = data[(y0 * w + x0) * 4 + c]!;
        const b = data[(y0 * w + x1) * 4 + c]!;
        const d = data[(y1 * w + x0) * 4 + c]!;
        const e = data[(y1 * w + x1) * 4 + c]!;
        const v = Math.round((a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy);
        if (layout === "hwc") out[px * 3 + c] = v;
        else out[c * plane + px] = v;
      }
    }
  }
  return out;
}
