import { useState, useSyncExternalStore } from "react";
import type { ArmId } from "../../core/robots.ts";
import { ArmSelect } from "./ArmSelect.tsx";
import type { MotorSetupSession } from "../../state/index.ts";
import { useRig, useStudio } from "../StudioContext.tsx";

function SetupSteps({ session, busKey, simulated }: { session: MotorSetupSession; busKey: string; simulated: boolean }) {
  const snap = useSyncExternalStore(
    (fn) => session.subscribe(fn),
    () => session.snapshot,
  );
  const simulate = useRig((s) => s.simulate);
  const close = useRig((s) => s.closeMotorSetup);
  const current = snap.order[snap.step];
  const jointIndex = current ? session.arm.motors.findIndex((m) => m.name === current.name) : -1;
  const working = snap.phase === "searching" || snap.phase === "assigning";
  return (
    <div data-testid="motor-setup">
      <ol className="setup-list">
        {snap.order.map((m, i) => (
          <li key={m.name} className={i < snap.step ? "done" : i === snap.step ? "active" : ""}>
            {m.name} → id {m.id} ({m.model}){i < snap.step ? " ✓" : ""}
          </li>
        ))}
      </ol>
      {current && (
        <p>
          Connect <strong>only the {current.name} motor</strong> to the adapter (unplug the others), power it, then press Set up.
        </p>
      )}
      {snap.message && (
        <p className={snap.phase === "error" ? "bad" : snap.phase === "finished" ? "ok" : ""} role="status" data-testid="setup-message">
          {snap.message}
        </p>
      )}
      <div className="row">
        {simulated && current && (
          <>
            <button
              type="button"
              disabled={working}
              onClick={() =>
                void simulate(busKey, { kind: "unplug_motors" }).then(() => simulate(busKey, { kind: "plug_motor", joint: jointIndex }))
              }
            >
              Simulated: plug in only the {current.name} motor
            </button>
            <button
              type="button"
              disabled={working}
              onClick={() => void simulate(busKey, { kind: "plug_motor", joint: (jointIndex + 1) % 6 })}
            >
              Simulated: plug in another motor too
            </button>
          </>
        )}
        {current && (
          <button type="button" className="primary" disabled={working} onClick={() => void session.setupCurrent()}>
            Set up {current.name}
          </button>
        )}
        <button type="button" onClick={() => void close()}>
          {snap.phase === "finished" ? "Close" : "Stop"}
        </button>
      </div>
    </div>
  );
}

/** Give each motor its id and 1 Mbaud, one at a time, as lerobot's setup-motors does. */
export function MotorSetupPanel() {
  const { webSerial } = useStudio();
  const setup = useRig((s) => s.setup);
  const buses = useRig((s) => s.buses);
  const start = useRig((s) => s.startMotorSetup);
  const [arm, setArm] = useState<ArmId>("so101_follower");
  const simulated = setup ? (buses.find((b) => b.key === setup.busKey)?.info.simulated ?? false) : false;
  return (
    <details className="card setup-card" open={setup !== undefined}>
      <summary>Motor setup (new motors: assign ids and baud rate)</summary>
      {setup ? (
        <SetupSteps session={setup.session} busKey={setup.busKey} simulated={simulated} />
      ) : (
        <div className="row">
          <ArmSelect value={arm} onChange={setArm} label="Arm" ariaLabel="Setup arm type" />
          <button type="button" disabled={!webSerial} onClick={() => void start(arm, false)}>
            Choose the adapter's port…
          </button>
          <button type="button" onClick={() => void start(arm, true)}>
            Try on a simulated bench
          </button>
        </div>
      )}
    </details>
  );
}
