import { useStore } from "zustand";
import type { OnnxPolicyStore } from "../../state/index.ts";
import { useStudio } from "../StudioContext.tsx";

const shape = (s: readonly (number | string)[]) => `[${s.join(", ")}]`;

/** The .onnx and stats.json pickers, what the model takes, which camera feeds each image, and what does not fit. */
function OnnxModelPanel({ onnx, disabled }: { onnx: OnnxPolicyStore; disabled: boolean }) {
  const { cameras } = useStudio();
  const s = useStore(onnx);
  const cams = useStore(cameras, (c) => c.cameras);
  const images = s.signature?.inputs.filter((i) => /^image_\d+$/.test(i.name)) ?? [];
  return (
    <div className="onnx-model" data-testid="onnx-model">
      <div className="row wrap">
        <label>
          ONNX model (.onnx){" "}
          <input
            type="file"
            accept=".onnx"
            aria-label="ONNX model file"
            disabled={disabled}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void f.arrayBuffer().then((b) => s.setModel(f.name, new Uint8Array(b)));
            }}
          />
        </label>
        <label>
          Dataset stats (stats.json){" "}
          <input
            type="file"
            accept=".json,application/json"
            aria-label="Dataset stats file"
            disabled={disabled}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void f.text().then((t) => s.setStats(f.name, t));
            }}
          />
        </label>
        <label>
          Images normalised with{" "}
          <select
            aria-label="Image normalisation"
            value={s.imageNorm}
            disabled={disabled}
            onChange={(e) => s.configure({ imageNorm: e.target.value === "dataset" ? "dataset" : "imagenet" })}
          >
            <option value="imagenet">ImageNet stats (lerobot&apos;s default)</option>
            <option value="dataset">the dataset&apos;s camera stats</option>
          </select>
        </label>
        <label>
          Action rate{" "}
          <input
            type="number"
            aria-label="Action rate"
            min={1}
            max={200}
            value={s.fps}
            disabled={disabled}
            onChange={(e) => s.configure({ fps: Math.max(1, Math.min(200, Number(e.target.value) || 30)) })}
            style={{ width: "4em" }}
          />{" "}
          fps
        </label>
      </div>
      <p className="muted small mono" data-testid="onnx-summary">
        {s.modelName ? `${s.modelName} (${(s.modelBytes / 1024).toFixed(0)} KB)` : "no model chosen"}
        {s.checking ? " · checking…" : ""}
        {s.signature
          ? ` · ${s.signature.inputs.map((i) => `${i.name} ${shape(i.shape)}`).join(", ")} → ${s.signature.outputs
              .map((o) => `${o.name} ${shape(o.shape)}`)
              .join(", ")}`
          : ""}
        {s.provider ? ` · runs on ${s.provider}` : ""}
        {s.statsName ? ` · stats ${s.statsName}` : " · no stats chosen"}
      </p>
      {images.length > 0 && (
        <div className="row wrap">
          {images.map((img, i) => (
            <label key={img.name}>
              {img.name} ←{" "}
              <select
                aria-label={`Camera for ${img.name}`}
                value={s.cameras[i] ?? cams[i]?.key ?? ""}
                disabled={disabled}
                onChange={(e) => {
                  const next = images.map((_, k) => s.cameras[k] ?? cams[k]?.key ?? "");
                  next[i] = e.target.value;
                  s.configure({ cameras: next });
                }}
              >
                {cams.length === 0 && <option value="">no camera</option>}
                {cams.map((c) => (
                  <option key={c.key} value={c.key}>
                    {c.key}
                  </option>
                ))}
              </select>
            </label>
          ))}
        </div>
      )}
      {s.problem ? (
        <p className="bad" role="alert" data-testid="onnx-problem">
          {s.problem}
        </p>
      ) : (
        s.signature && (
          <p className="ok" data-testid="onnx-ready">
            The model fits: it runs in this browser, off the page&apos;s thread.
          </p>
        )
      )}
      {s.saveError && <p className="muted small">{s.saveError}</p>}
    </div>
  );
}

const SOURCES = [
  ["server", "Remote server (openpi protocol, address below)"],
  ["onnx", "ONNX model in this browser"],
] as const;

/** Where the rollout's policy runs: a policy server (openpi's protocol) or an ONNX model in this browser. */
export function PolicySourcePicker({ disabled }: { disabled: boolean }) {
  const { rollout, onnx } = useStudio();
  const source = useStore(rollout, (s) => s.settings.source ?? "server");
  const configure = useStore(rollout, (s) => s.configure);
  if (!onnx) return null;
  return (
    <section className="panel" aria-label="Policy source">
      <div className="row wrap" role="radiogroup" aria-label="Policy source">
        {SOURCES.map(([value, label]) => (
          <label key={value}>
            <input
              type="radio"
              name="policy-source"
              checked={source === value}
              disabled={disabled}
              onChange={() => configure({ source: value })}
            />{" "}
            {label}
          </label>
        ))}
      </div>
      {source === "onnx" && <OnnxModelPanel onnx={onnx} disabled={disabled} />}
    </section>
  );
}
