import { useRig } from "../StudioContext.tsx";
import { BusConsole } from "./BusConsole.tsx";
import { CalibrationWizard } from "./CalibrationWizard.tsx";
import { ConnectPanel } from "./ConnectPanel.tsx";
import { MotorSetupPanel } from "./MotorSetupPanel.tsx";
import { ProfilesPanel } from "./ProfilesPanel.tsx";
import { CamerasPanel } from "../cameras/CamerasPanel.tsx";
import { FirstRun } from "../FirstRun.tsx";

const SECTIONS = [
  ["rig-profiles", "Robot profiles"],
  ["cameras-panel", "Cameras"],
  ["bus-console", "Bus console"],
] as const;

/** Jumps within the Rig screen (the screens themselves use the URL's hash). */
function JumpBar() {
  return (
    <nav className="row jump-bar" aria-label="Rig sections">
      <span className="muted small">Jump to:</span>
      {SECTIONS.map(([id, label]) => (
        <button
          key={id}
          type="button"
          className="link-button"
          onClick={() => document.getElementById(id)?.scrollIntoView({ block: "start" })}
        >
          {label}
        </button>
      ))}
    </nav>
  );
}

export function RigScreen() {
  const buses = useRig((s) => s.buses);
  const calibration = useRig((s) => s.calibration);
  const profiles = useRig((s) => s.profiles);
  const calibrating = calibration ? profiles.find((p) => p.id === calibration.profileId) : undefined;
  return (
    <div className="screen rig-screen">
      <h1>Rig</h1>
      <FirstRun />
      <JumpBar />
      <ConnectPanel />
      <h2 id="rig-profiles">Robot profiles</h2>
      <ProfilesPanel />
      {calibration && calibrating && (
        <CalibrationWizard
          key={calibration.profileId}
          session={calibration.session}
          profileName={calibrating.name}
          simulated={calibrating.simulated}
          busKey={calibration.profileId}
        />
      )}
      <MotorSetupPanel />
      <CamerasPanel />
      <h2 id="bus-console">Bus console</h2>
      {buses.length === 0 && <p className="muted">Connect the simulated rig or a real arm to see its motors.</p>}
      {buses.map((b) => (
        <BusConsole key={b.key} bus={b} />
      ))}
    </div>
  );
}
