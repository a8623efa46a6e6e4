import { useStore } from "zustand";
import type { PolicyMapping, RolloutSettings } from "../../state/index.ts";
import { useStudio } from "../StudioContext.tsx";

/** "front=images.front, wrist=images.wrist" ⇄ the mapping's camera list. */
function parseCameras(text: string): PolicyMapping["images"] {
  return text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.includes("="))
    .map((p) => {
      const [camera, key] = p.split("=", 2) as [string, string];
      return { camera: camera.trim(), key: key.trim() };
    })
    .filter((m) => m.camera && m.key);
}

const cameraText = (m: PolicyMapping) => m.images.map((i) => `${i.camera}=${i.key}`).join(", ");

/** A labelled text input (its label is its accessible name). */
function TextField(p: { label: string; value: string; disabled: boolean; onChange: (v: string) => void; width?: string }) {
  return (
    <label>
      {p.label}{" "}
      <input
        aria-label={p.label}
        value={p.value}
        disabled={p.disabled}
        onChange={(e) => p.onChange(e.target.value)}
        style={p.width ? { width: p.width } : undefined}
      />
    </label>
  );
}

/** Where the server is, what it is told, and how the studio's joints, cameras and instruction map onto its observation keys. */
export function MappingForm({ settings, disabled }: { settings: RolloutSettings; disabled: boolean }) {
  const { rollout } = useStudio();
  const configure = useStore(rollout, (s) => s.configure);
  const m = settings.mapping;
  const map = (patch: Partial<PolicyMapping>) => configure({ mapping: { ...m, ...patch } });
  return (
    <section className="panel" aria-label="Policy">
      <h2>Policy</h2>
      <div className="row wrap">
        {(settings.source ?? "server") === "server" && (
          <TextField label="Policy server" value={settings.url} disabled={disabled} onChange={(url) => configure({ url })} width="18em" />
        )}
        <TextField
          label="Instruction"
          value={settings.prompt}
          disabled={disabled}
          onChange={(prompt) => configure({ prompt })}
          width="18em"
        />
        <label>
          <input
            type="checkbox"
            aria-label="Record the rollout"
            checked={settings.record}
            disabled={disabled}
            onChange={(e) => configure({ record: e.target.checked })}
          />{" "}
          Record the rollout
        </label>
        <label title="Whole rollout: one episode, the corrected rows flagged (intervention). Corrections only: one episode per correction, from the hand-over to the hand-back.">
          as{" "}
          <select
            aria-label="Record mode"
            value={settings.recordMode}
            disabled={disabled || !settings.record}
            onChange={(e) => configure({ recordMode: e.target.value === "corrections" ? "corrections" : "whole" })}
          >
            <option value="whole">the whole rollout (corrected rows flagged)</option>
            <option value="corrections">corrections only (one episode per correction)</option>
          </select>
        </label>
        <label>
          Dataset{" "}
          <input
            aria-label="Rollout dataset"
            value={settings.datasetName}
            disabled={disabled || !settings.record}
            onChange={(e) => configure({ datasetName: e.target.value })}
          />
        </label>
      </div>
      <details>
        <summary>Observation mapping</summary>
        <div className="row wrap">
          <label>
            Joints key{" "}
            <input aria-label="Joints key" value={m.stateKey} disabled={disabled} onChange={(e) => map({ stateKey: e.target.value })} />
          </label>
          <label>
            Units{" "}
            <select
              aria-label="Joint units"
              value={m.units}
              disabled={disabled}
              onChange={(e) => map({ units: e.target.value as PolicyMapping["units"] })}
            >
              <option value="degrees">degrees (gripper %)</option>
              <option value="radians">radians (gripper %)</option>
            </select>
          </label>
          <label>
            Prompt key{" "}
            <input aria-label="Prompt key" value={m.promptKey} disabled={disabled} onChange={(e) => map({ promptKey: e.target.value })} />
          </label>
          <label>
            Cameras{" "}
            <input
              aria-label="Camera keys"
              placeholder="front=images.front"
              defaultValue={cameraText(m)}
              disabled={disabled}
              onBlur={(e) => map({ images: parseCameras(e.target.value) })}
              style={{ width: "16em" }}
            />
          </label>
          <label>
            Image size{" "}
            <input
              type="number"
              aria-label="Image size"
              min={32}
              max={1024}
              value={m.imageSize}
              disabled={disabled}
              onChange={(e) => map({ imageSize: Math.max(32, Math.min(1024, Number(e.target.value) || 224)) })}
              style={{ width: "5em" }}
            />
          </label>
          <label>
            Layout{" "}
            <select
              aria-label="Image layout"
              value={m.imageLayout}
              disabled={disabled}
              onChange={(e) => map({ imageLayout: e.target.value as PolicyMapping["imageLayout"] })}
            >
              <option value="chw">[3, H, W]</option>
              <option value="hwc">[H, W, 3]</option>
            </select>
          </label>
        </div>
        <p className="muted small">
          Images are resized with padding to the size above (uint8). The joints go as float32 in the units above.
        </p>
      </details>
    </section>
  );
}
