import { useRig } from "../StudioContext.tsx";
import { BusConsole } from "./BusConsole.tsx";
import { ConnectPanel } from "./ConnectPanel.tsx";

export function RigScreen() {
  const buses = useRig((s) => s.buses);
  return (
    <div className="screen rig-screen">
      <h1>Rig</h1>
      <ConnectPanel />
      <h2>Bus console</h2>
      {buses.length === 0 && <p className="muted">Connect the simulated rig or a real arm to see its motors.</p>}
      {buses.map((b) => (
        <BusConsole key={b.key} bus={b} />
      ))}
    </div>
  );
}
