import { useEffect, useState } from "react";
import { useStore } from "zustand";
import { RigScreen } from "./rig/RigScreen.tsx";
import { StatusStrip } from "./StatusStrip.tsx";
import { useStudio } from "./StudioContext.tsx";
import { TeleopScreen } from "./teleop/TeleopScreen.tsx";
import { RecordScreen } from "./record/RecordScreen.tsx";
import { DatasetsScreen } from "./datasets/DatasetsScreen.tsx";
import { EpisodesScreen } from "./episodes/EpisodesScreen.tsx";
import { HelpOverlay } from "./HelpOverlay.tsx";
import { RemoteScreen } from "./remoteTeleop/RemoteScreen.tsx";
import { RolloutScreen } from "./rollout/RolloutScreen.tsx";

const SCREENS = [
  { id: "rig", label: "Rig" },
  { id: "teleop", label: "Teleop" },
  { id: "record", label: "Record" },
  { id: "rollout", label: "Rollout" },
  { id: "episodes", label: "Episodes" },
  { id: "datasets", label: "Datasets" },
  { id: "remote", label: "Remote" },
] as const;
type ScreenId = (typeof SCREENS)[number]["id"];

function screenFromHash(): ScreenId {
  const h = location.hash.replace("#", "");
  return SCREENS.some((s) => s.id === h) ? (h as ScreenId) : "rig";
}

/** One left-hand navigation in the order of the work; screens arrive with their features. */
export function Shell() {
  const [screen, setScreen] = useState<ScreenId>(screenFromHash);
  const [help, setHelp] = useState(false);
  // On a narrow screen (a phone, a small tablet) the navigation folds into a menu.
  const [menu, setMenu] = useState(false);
  const { teleop } = useStudio();
  const estop = useStore(teleop, (s) => s.estop);
  useEffect(() => {
    const onHash = () => {
      setScreen(screenFromHash());
      setMenu(false);
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  // Escape is the stop key everywhere: torque off on every arm.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") {
        void estop();
        setHelp(false);
        return;
      }
      const t = e.target as HTMLElement | null;
      if (e.key === "?" && !(t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable)))
        setHelp((h) => !h);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [estop]);
  return (
    <div className={`shell${menu ? " menu-open" : ""}`}>
      <nav className="nav" aria-label="Screens">
        <div className="brand">
          Robot Studio
          <button type="button" className="menu-toggle" aria-expanded={menu} aria-label="Menu" onClick={() => setMenu((m) => !m)}>
            ☰ <span className="small">{SCREENS.find((s) => s.id === screen)?.label}</span>
          </button>
        </div>
        <div className="nav-links">
          {SCREENS.map((s) => (
            <a key={s.id} className={screen === s.id ? "active" : ""} href={`#${s.id}`} aria-current={screen === s.id ? "page" : undefined}>
              {s.label}
            </a>
          ))}
        </div>
        <button type="button" className="help-hint" onClick={() => setHelp(true)} title="Keyboard shortcuts">
          <kbd>?</kbd> shortcuts
        </button>
      </nav>
      <main className="main">
        {screen === "rig" ? (
          <RigScreen />
        ) : screen === "teleop" ? (
          <TeleopScreen />
        ) : screen === "record" ? (
          <RecordScreen />
        ) : screen === "rollout" ? (
          <RolloutScreen />
        ) : screen === "episodes" ? (
          <EpisodesScreen />
        ) : screen === "remote" ? (
          <RemoteScreen />
        ) : (
          <DatasetsScreen />
        )}
      </main>
      <StatusStrip />
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
    </div>
  );
}
