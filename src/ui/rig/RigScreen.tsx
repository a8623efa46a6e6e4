import { useRig } from "../StudioContext.tsx";
import { BusConsole } from "./BusConsole.tsx";
import { CalibrationWizard } from "./CalibrationWizard.tsx";
import { ConnectPanel } from "./ConnectPanel.tsx";
import { MotorSetupPanel } from "./MotorSetupPanel.tsx";
import { ProfilesPanel } from "./ProfilesPanel.tsx";
import { CamerasPanel } from "../cameras/CamerasPanel.tsx";

export function RigScreen() {
  const buses = useRig((s) => s.buses);
  const calibration = useRig((s) => s.calibration);
  const profiles = useRig((s) => s.profiles);
  const calibrating = calibration ? profiles.find((p) => p.id === calibration.profileId) : undefined;
  return (
    <div className="screen rig-screen">
      <h1>Rig</h1>
      <ConnectPanel />
      <h2>Robot profiles</h2>
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
      <h2>Bus console</h2>
      {buses.length === 0 && <p className="muted">Connect the simulated rig or a real arm to see its motors.</p>}
      {buses.map((b) => (
        <BusConsole key={b.key} bus={b} />
      ))}
    </div>
  );
}
