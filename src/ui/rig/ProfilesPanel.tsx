import { useRef, useState } from "react";
import { ARMS } from "../../core/robots.ts";
import { calibrationSizeError } from "../../core/calibration.ts";
import type { RobotProfile } from "../../state/index.ts";
import { formatDateTime } from "../common/format.ts";
import { useRig } from "../StudioContext.tsx";

function portText(p: RobotProfile): string {
  if (p.simulated) return "simulated";
  const hex = (n: number | undefined) => (n === undefined ? "????" : n.toString(16).padStart(4, "0"));
  return p.port?.usbVendorId === undefined
    ? "—"
    : `USB ${hex(p.port.usbVendorId)}:${hex(p.port.usbProductId)}${p.port.serialNumber ? ` #${p.port.serialNumber}` : ""}`;
}

function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Robot profiles: which arm is which, on which port, and whether it is calibrated. */
export function ProfilesPanel() {
  const profiles = useRig((s) => s.profiles);
  const buses = useRig((s) => s.buses);
  const startCalibration = useRig((s) => s.startCalibration);
  const exportCalibration = useRig((s) => s.exportCalibration);
  const importCalibration = useRig((s) => s.importCalibration);
  const rename = useRig((s) => s.renameProfile);
  const setNormMode = useRig((s) => s.setBodyNormMode);
  const remove = useRig((s) => s.deleteProfile);
  const [importResult, setImportResult] = useState<{ id: string; ok: boolean; lines: readonly string[] }>();
  const fileFor = useRef<string | undefined>(undefined);
  const fileInput = useRef<HTMLInputElement>(null);

  const onFile = async (file: File | undefined) => {
    const id = fileFor.current;
    if (!file || !id) return;
    // A file far larger than any calibration is refused unread (it could hold the tab for minutes).
    const tooLarge = calibrationSizeError(file.size);
    const errors = tooLarge ? [tooLarge] : await importCalibration(id, await file.text());
    setImportResult({ id, ok: errors.length === 0, lines: errors.length === 0 ? [`Imported ${file.name}.`] : errors });
    if (fileInput.current) fileInput.current.value = "";
  };

  if (profiles.length === 0) return <p className="muted">No robot profiles yet: connect an arm.</p>;
  return (
    <>
      <input
        ref={fileInput}
        type="file"
        accept="application/json,.json"
        hidden
        data-testid="calibration-file"
        onChange={(e) => void onFile(e.target.files?.[0])}
      />
      <table className="profiles" data-testid="profiles">
        <thead>
          <tr>
            <th>Name</th>
            <th>Arm</th>
            <th>Port</th>
            <th>Joint units</th>
            <th>Calibration</th>
            <th>Connection</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {profiles.map((p) => {
            const bus = buses.find((b) => b.key === p.id);
            const connected = bus?.status === "connected";
            return (
              <tr key={p.id} data-testid="profile-row" data-profile={p.id}>
                <td>
                  <input aria-label="Profile name" defaultValue={p.name} size={22} onBlur={(e) => void rename(p.id, e.target.value)} />
                </td>
                <td>{ARMS[p.arm].label}</td>
                <td className="num">{portText(p)}</td>
                <td>
                  <select
                    aria-label="Joint units"
                    value={p.bodyNormMode}
                    onChange={(e) => void setNormMode(p.id, e.target.value as "degrees" | "range_m100_100")}
                    title="Body joints in degrees (current lerobot) or −100..100; the gripper is always 0..100"
                  >
                    <option value="degrees">degrees</option>
                    <option value="range_m100_100">−100..100</option>
                  </select>
                </td>
                <td data-testid="calibration-state">
                  {p.calibration ? (
                    <span className="ok">calibrated {p.calibratedAt ? formatDateTime(p.calibratedAt) : ""}</span>
                  ) : (
                    <span className="warn">not calibrated</span>
                  )}
                </td>
                <td>
                  {bus ? (
                    connected ? (
                      <span className="ok">connected</span>
                    ) : (
                      <span className="bad">disconnected</span>
                    )
                  ) : (
                    <span className="muted">not connected</span>
                  )}
                </td>
                <td className="actions">
                  <button type="button" disabled={!connected} onClick={() => startCalibration(p.id)}>
                    Calibrate
                  </button>
                  <button
                    type="button"
                    disabled={!p.calibration}
                    onClick={() => {
                      const file = exportCalibration(p.id);
                      if (file) download(file.filename, file.text);
                    }}
                  >
                    Export calibration
                  </button>
                  <button
                    type="button"
                    onClick={() => {
                      fileFor.current = p.id;
                      fileInput.current?.click();
                    }}
                  >
                    Import calibration
                  </button>
                  <button type="button" className="danger" onClick={() => void remove(p.id)} aria-label={`Delete ${p.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {importResult && (
        <div className={importResult.ok ? "ok" : "bad"} role="status" data-testid="import-result">
          {importResult.ok ? null : <strong>The calibration file was refused; nothing was changed:</strong>}
          <ul>
            {importResult.lines.map((l) => (
              <li key={l}>{l}</li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
