/**
 * Camera identity across sessions and reconnects. Pure.
 *
 * A camera is remembered by its deviceId (stable per origin while the browser keeps the
 * permission) and its label ("HD Pro Webcam C920 (046d:082d)"). On reconnect or reload, a
 * wanted camera is found by deviceId first; only if that id is gone, by label — and only when
 * exactly one unclaimed device carries that label. Two identical cameras (same label) that lost
 * their ids are reported as ambiguous, never silently assigned (that would swap front and wrist).
 */

export interface CameraIdentity {
  deviceId: string;
  label: string;
}

/** A video input as enumerateDevices lists it. */
export interface VideoInput {
  deviceId: string;
  groupId: string;
  /** Empty until the page has camera permission. */
  label: string;
}

export type CameraMatch =
  | { status: "found"; by: "deviceId" | "label"; device: VideoInput }
  | { status: "missing" }
  | { status: "ambiguous"; candidates: VideoInput[] };

/**
 * Finds each wanted camera among the devices; a device is given to at most one wanted camera.
 * deviceId matches are settled first for all cameras, then label matches among what is left.
 */
export function matchCameras(wanted: readonly CameraIdentity[], devices: readonly VideoInput[]): CameraMatch[] {
  const result: Array<CameraMatch | null> = wanted.map(() => null);
  const claimed = new Set<string>();
  wanted.forEach((w, i) => {
    const d = devices.find((x) => x.deviceId !== "" && x.deviceId === w.deviceId);
    if (d !== undefined && !claimed.has(d.deviceId)) {
      claimed.add(d.deviceId);
      result[i] = { status: "found", by: "deviceId", device: d };
    }
  });
  // Labels wanted by more than one unresolved camera are ambiguous too.
  const unresolvedLabels = new Map<string, number>();
  wanted.forEach((w, i) => {
    if (result[i] === null && w.label !== "") unresolvedLabels.set(w.label, (unresolvedLabels.get(w.label) ?? 0) + 1);
  });
  wanted.forEach((w, i) => {
    if (result[i] !== null) return;
    if (w.label === "") {
      result[i] = { status: "missing" };
      return;
    }
    const candidates = devices.filter((x) => x.label === w.label && !claimed.has(x.deviceId));
    if (candidates.length === 0) result[i] = { status: "missing" };
    else if (candidates.length === 1 && (unresolvedLabels.get(w.label) ?? 0) === 1) {
      const d = candidates[0]!;
      claimed.add(d.deviceId);
      result[i] = { status: "found", by: "label", device: d };
    } else result[i] = { status: "ambiguous", candidates };
  });
  return result.map((r) => r ?? { status: "missing" });
}

/** A message for the operator about a camera that could not be matched, or null when found. */
export function matchProblem(name: string, wanted: CameraIdentity, match: CameraMatch): string | null {
  switch (match.status) {
    case "found":
      return null;
    case "missing":
      return `Camera "${name}" (${wanted.label || "unnamed"}) is not connected. Plug it in, or choose another camera for "${name}".`;
    case "ambiguous":
      return `Camera "${name}" cannot be told apart from ${match.candidates.length > 1 ? "another identical camera" : "another camera wanted under the same name"} (${wanted.label}). Choose which one is "${name}" using the previews.`;
  }
}
