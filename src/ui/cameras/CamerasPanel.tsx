import { useState } from "react";
import { useStore } from "zustand";
import { validCameraKey } from "../../state/index.ts";
import { useStudio } from "../StudioContext.tsx";
import { CameraGrid } from "./CameraGrid.tsx";

const SIZES = [
  [640, 480],
  [1280, 720],
  [320, 240],
] as const;

/** The phone being paired: what is happening, the QR code and the link (the store's pairing engine owns the link). */
function PhonePairingView() {
  const { cameras } = useStudio();
  const phone = useStore(cameras, (s) => s.phone);
  const state = phone.link;
  if (phone.phase === "idle" || !state) return null;
  return (
    <div className="phone-pairing" data-testid="phone-pairing" data-status={state.status}>
      <p role="status">
        {state.error ? (
          <span className="bad">{state.error.message}</span>
        ) : (
          <>
            Phone camera <strong className="mono">{phone.key}</strong>: {state.message}
          </>
        )}
      </p>
      {state.pairing && phone.phase === "pairing" && (
        <div className="row">
          <div className="qr" dangerouslySetInnerHTML={{ __html: state.pairing.qrSvg }} />
          <p className="mono small">
            <a href={state.pairing.link} target="_blank" rel="noreferrer" data-testid="phone-link">
              {state.pairing.link.replace(/#.*/, "#code=…")}
            </a>
            <br />
            The link carries a one-time code: share it only with your phone.
          </p>
        </div>
      )}
      <button type="button" onClick={() => cameras.getState().cancelPhone()}>
        {phone.phase === "failed" ? "Close" : "Cancel"}
      </button>
    </div>
  );
}

/** Rig → Cameras: add simulated, USB and phone cameras, name them, watch them live. */
export function CamerasPanel() {
  const { cameras } = useStudio();
  const devices = useStore(cameras, (s) => s.devices);
  const list = useStore(cameras, (s) => s.cameras);
  const error = useStore(cameras, (s) => s.error);
  const busy = useStore(cameras, (s) => s.busy);
  const [name, setName] = useState("wrist");
  const [device, setDevice] = useState("");
  const [size, setSize] = useState(0);
  const [fps, setFps] = useState(30);
  const pairing = useStore(cameras, (s) => s.phone.phase === "pairing");
  const nameProblem = validCameraKey(name) ?? (list.some((c) => c.key === name) ? `There is already a camera named "${name}".` : undefined);
  const [w, h] = SIZES[size] ?? SIZES[0];
  return (
    <section className="panel" id="cameras-panel" data-testid="cameras-panel" aria-label="Cameras">
      <h2>Cameras</h2>
      <CameraGrid empty="No cameras yet. Add the simulated camera, a USB camera or your phone." />
      <div className="row">
        <label>
          Name <input aria-label="Camera name" value={name} onChange={(e) => setName(e.target.value.trim())} size={10} />
        </label>
        <label>
          Size{" "}
          <select aria-label="Camera size" value={size} onChange={(e) => setSize(Number(e.target.value))}>
            {SIZES.map(([sw, sh], i) => (
              <option key={i} value={i}>
                {sw}×{sh}
              </option>
            ))}
          </select>
        </label>
        <label>
          fps{" "}
          <select aria-label="Camera fps" value={fps} onChange={(e) => setFps(Number(e.target.value))}>
            {[15, 30, 60].map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        </label>
      </div>
      {nameProblem && <p className="warn small">{nameProblem}</p>}
      <div className="row">
        <button
          type="button"
          disabled={busy || nameProblem !== undefined}
          onClick={() => void cameras.getState().addSimulated({ key: name, width: w, height: h, fps })}
        >
          Add simulated camera
        </button>
        <button type="button" disabled={busy} onClick={() => void cameras.getState().refreshDevices()}>
          Find USB cameras
        </button>
        {devices.length > 0 && (
          <>
            <select aria-label="USB camera" value={device} onChange={(e) => setDevice(e.target.value)}>
              <option value="">choose a camera…</option>
              {devices.map((d) => (
                <option key={d.deviceId} value={d.deviceId}>
                  {d.label || `camera ${d.deviceId.slice(0, 6)}`}
                </option>
              ))}
            </select>
            <button
              type="button"
              disabled={busy || device === "" || nameProblem !== undefined}
              onClick={() => void cameras.getState().addUsb(device, name, w, h, fps)}
            >
              Add USB camera
            </button>
          </>
        )}
        <button
          type="button"
          disabled={busy || pairing || nameProblem !== undefined}
          onClick={() => void cameras.getState().pairPhone(name)}
        >
          Use a phone as a camera
        </button>
      </div>
      <PhonePairingView />
      {error && (
        <p className="bad" role="alert">
          {error}
        </p>
      )}
      {list.length > 0 && (
        <div className="row">
          {list.map((c) => (
            <button key={c.key} type="button" onClick={() => void cameras.getState().remove(c.key)}>
              Remove {c.key}
            </button>
          ))}
        </div>
      )}
    </section>
  );
}
