import { useRef, useState } from "react";
import { useStore } from "zustand";
import { useStudio } from "../StudioContext.tsx";

interface DirectoryPicker {
  showDirectoryPicker?: () => Promise<unknown>;
}

/** Import a LeRobot dataset: a button for a .zip, one for a folder (where the browser can), and a drop zone for a .zip. */
export function ImportControl() {
  const { datasets } = useStudio();
  const importing = useStore(datasets, (s) => s.importing);
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const busy = importing?.state === "running";
  const w = window as unknown as DirectoryPicker;
  const importFile = (f: File | undefined) => {
    if (f) void datasets.getState().importZip(f, f.name);
  };
  return (
    <div
      className={`drop-zone${over ? " over" : ""}`}
      data-testid="import-drop"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        if (!busy) importFile(e.dataTransfer.files[0]);
      }}
    >
      <span>Import a LeRobot dataset (v3.0 or v2.1): drop its .zip here, or</span>
      <button type="button" disabled={busy} onClick={() => input.current?.click()}>
        Choose a .zip…
      </button>
      <input
        ref={input}
        hidden
        type="file"
        accept=".zip,application/zip"
        aria-label="Import a LeRobot dataset zip"
        disabled={busy}
        onChange={(e) => {
          const f = e.target.files?.[0];
          e.target.value = "";
          importFile(f);
        }}
      />
      {w.showDirectoryPicker && (
        <button
          type="button"
          disabled={busy}
          onClick={() =>
            void (async () => {
              const dir = await w.showDirectoryPicker!().catch(() => undefined);
              if (dir) await datasets.getState().importFolder(dir as never);
            })()
          }
        >
          Choose a folder…
        </button>
      )}
    </div>
  );
}
