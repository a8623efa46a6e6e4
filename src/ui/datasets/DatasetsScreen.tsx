import { useEffect, useState } from "react";
import { useStore } from "zustand";
import type { DatasetSummary } from "../../state/index.ts";
import { useStudio } from "../StudioContext.tsx";
import { ImportControl } from "./ImportControl.tsx";

type Version = "v3.0" | "v2.1";

interface SavePicker {
  showSaveFilePicker?: (o: {
    suggestedName: string;
    types?: { description: string; accept: Record<string, string[]> }[];
  }) => Promise<{ createWritable(): Promise<WritableStream<Uint8Array>> }>;
  showDirectoryPicker?: (o?: { mode?: "readwrite" }) => Promise<unknown>;
}

function mb(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** The dataset's name, renamable in place, and Delete with a confirmation naming what goes. */
function DatasetName({ d }: { d: DatasetSummary }) {
  const { datasets } = useStudio();
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const [confirm, setConfirm] = useState(false);
  if (draft !== undefined) {
    const commit = () => {
      void datasets.getState().renameDataset(d.dataset.id, draft);
      setDraft(undefined);
    };
    return (
      <div className="row tight">
        <input
          autoFocus
          aria-label="Dataset name"
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") commit();
            if (e.key === "Escape") setDraft(undefined);
          }}
        />
        <button type="button" onClick={commit}>
          Save
        </button>
        <button type="button" onClick={() => setDraft(undefined)}>
          Cancel
        </button>
      </div>
    );
  }
  return (
    <div className="row tight">
      <strong>{d.dataset.name}</strong>
      <button type="button" className="link-button small" onClick={() => setDraft(d.dataset.name)}>
        Rename
      </button>
      {confirm ? (
        <span className="confirm" role="alertdialog" aria-label="Confirm delete">
          Delete “{d.dataset.name}” and its {d.episodes.length} episode{d.episodes.length === 1 ? "" : "s"} from this computer?{" "}
          <button type="button" className="danger" onClick={() => void datasets.getState().deleteDataset(d.dataset.id)}>
            Delete for good
          </button>{" "}
          <button type="button" onClick={() => setConfirm(false)}>
            Keep it
          </button>
        </span>
      ) : (
        <button type="button" className="link-button small" onClick={() => setConfirm(true)}>
          Delete…
        </button>
      )}
    </div>
  );
}

function DatasetRow({ d, version }: { d: DatasetSummary; version: Version }) {
  const { datasets } = useStudio();
  const job = useStore(datasets, (s) => s.job);
  const running = job?.state === "running";
  const [hub, setHub] = useState(false);
  const [token, setToken] = useState("");
  const [repo, setRepo] = useState(`your-name/${d.dataset.name}`);
  const name = `${d.dataset.name}_${version.replace(".", "")}.zip`;
  const w = window as unknown as SavePicker;

  const download = async () => {
    const stream = await datasets.getState().exportZip(d.dataset.id, version);
    if (!stream) return;
    // Collected in memory for the browser's download (use "Save .zip…" for big datasets).
    const blob = await new Response(stream).blob().catch(() => undefined);
    if (!blob) return;
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
  };
  const save = async () => {
    const picker = w.showSaveFilePicker;
    if (!picker) return;
    const file = await picker({
      suggestedName: name,
      types: [{ description: "Zip archive", accept: { "application/zip": [".zip"] } }],
    }).catch(() => undefined);
    if (!file) return;
    const stream = await datasets.getState().exportZip(d.dataset.id, version);
    if (!stream) return;
    await stream.pipeTo(await file.createWritable()).catch(() => undefined);
  };
  const folder = async () => {
    const picker = w.showDirectoryPicker;
    if (!picker) return;
    const dir = await picker({ mode: "readwrite" }).catch(() => undefined);
    if (dir) await datasets.getState().exportFolder(d.dataset.id, version, dir as never);
  };
  return (
    <tr data-testid="dataset-row" data-dataset={d.dataset.name}>
      <td>
        <DatasetName d={d} />
        <div className="muted small">
          {d.dataset.robotType} · {d.dataset.fps} fps · {d.dataset.cameras.map((c) => c.key).join(", ") || "no cameras"}
        </div>
      </td>
      <td className="num" data-testid="dataset-episodes">
        {d.exportable}
      </td>
      <td className="num" data-testid="dataset-frames" title="Frames an export writes (trims applied)">
        {d.frames}
      </td>
      <td className="num">{mb(d.mediaBytes)}</td>
      <td>
        <div className="row">
          <button type="button" disabled={running || d.exportable === 0} onClick={() => void download()}>
            Download .zip
          </button>
          {w.showSaveFilePicker && (
            <button type="button" disabled={running || d.exportable === 0} onClick={() => void save()} title="Streams to disk: any size">
              Save .zip…
            </button>
          )}
          {w.showDirectoryPicker && (
            <button
              type="button"
              disabled={running || d.exportable === 0}
              onClick={() => void folder()}
              title="Resumable: files already complete are skipped"
            >
              To a folder…
            </button>
          )}
          <button type="button" disabled={running || d.exportable === 0} onClick={() => setHub(!hub)}>
            Hugging Face Hub…
          </button>
        </div>
        {hub && (
          <div className="row">
            <input aria-label="Hub repository" value={repo} onChange={(e) => setRepo(e.target.value)} />
            <input
              aria-label="Hub token"
              type="password"
              placeholder="hf_… (write token)"
              value={token}
              onChange={(e) => setToken(e.target.value)}
            />
            <button
              type="button"
              disabled={running || !token || !repo.includes("/")}
              onClick={() => void datasets.getState().exportHub(d.dataset.id, version, { token, repo, private: true })}
            >
              Upload
            </button>
          </div>
        )}
      </td>
    </tr>
  );
}

/** Datasets on this computer: export to a zip, a folder or the Hugging Face Hub (LeRobot v3.0, or v2.1 for older tools). */
export function DatasetsScreen() {
  const { datasets } = useStudio();
  const list = useStore(datasets, (s) => s.datasets);
  const job = useStore(datasets, (s) => s.job);
  const error = useStore(datasets, (s) => s.error);
  const importing = useStore(datasets, (s) => s.importing);
  const removedImports = useStore(datasets, (s) => s.removedImports);
  const [version, setVersion] = useState<Version>("v3.0");
  useEffect(() => {
    void datasets.getState().refresh();
  }, [datasets]);
  const p = job?.progress;
  const pct = p && p.total > 0 ? Math.round((100 * p.done) / p.total) : 0;
  return (
    <div className="screen datasets-screen">
      <h1>Datasets</h1>
      <div className="row">
        <label>
          Format{" "}
          <select aria-label="Export format" value={version} onChange={(e) => setVersion(e.target.value as Version)}>
            <option value="v3.0">LeRobot v3.0 (lerobot ≥ 0.4)</option>
            <option value="v2.1">LeRobot v2.1 (older tools)</option>
          </select>
        </label>
        <button type="button" onClick={() => void datasets.getState().refresh()}>
          Refresh
        </button>
      </div>
      <ImportControl />
      {importing && (
        <p
          className={importing.state === "failed" ? "bad" : importing.state === "done" ? "ok" : ""}
          data-testid="import-status"
          data-state={importing.state}
        >
          {importing.state === "running" && importing.total > 0 ? <progress max={importing.total} value={importing.done} /> : null}{" "}
          {importing.message}
        </p>
      )}
      {removedImports && (
        <p className="warn" role="status" data-testid="removed-imports">
          {removedImports}
        </p>
      )}
      {error && <p className="bad">{error}</p>}
      {job && (
        <div className="export-job" data-testid="export-job" data-state={job.state}>
          {job.state === "running" ? (
            <>
              <progress max={100} value={pct} aria-label="Export progress" /> {pct} % {p?.file ?? ""}{" "}
              <button type="button" onClick={() => datasets.getState().cancel()}>
                Cancel
              </button>
            </>
          ) : (
            <span className={job.state === "done" ? "ok" : "bad"}>{job.message}</span>
          )}
        </div>
      )}
      {list.length === 0 ? (
        <p className="muted">No datasets yet: record some episodes on the Record screen.</p>
      ) : (
        <table className="motors">
          <thead>
            <tr>
              <th>Dataset</th>
              <th className="num">Episodes</th>
              <th className="num">Frames</th>
              <th className="num">Media</th>
              <th>Export</th>
            </tr>
          </thead>
          <tbody>
            {list.map((d) => (
              <DatasetRow key={d.dataset.id} d={d} version={version} />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
