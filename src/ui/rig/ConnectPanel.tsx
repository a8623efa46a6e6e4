import { useState } from "react";
import type { ArmId } from "../../core/robots.ts";
import { ArmSelect } from "./ArmSelect.tsx";
import { useRig, useStudio } from "../StudioContext.tsx";

const BAUDS = [1_000_000, 500_000, 115_200, 57_600];

/** The start of everything: the simulated rigs beside a real arm. */
export function ConnectPanel() {
  const { webSerial } = useStudio();
  const buses = useRig((s) => s.buses);
  const busy = useRig((s) => s.busy);
  const connectSim = useRig((s) => s.connectSimulatedRig);
  const connectReal = useRig((s) => s.connectRealArm);
  const [arm, setArm] = useState<ArmId>("so101_follower");
  const [name, setName] = useState("");
  const [baud, setBaud] = useState(1_000_000);
  const simOn = (kind: string) => buses.some((b) => b.info.simulated && b.arm?.startsWith(kind) && b.status === "connected");

  return (
    <section className="connect-cards">
      <div className="card">
        <h2>Simulated SO-101 leader + follower</h2>
        <p>
          Twelve simulated STS3215 servos on two virtual USB adapters. They answer the real protocol byte for byte; a scripted hand moves
          the leader, so everything can be tried without hardware.
        </p>
        <button type="button" className="primary" disabled={busy !== undefined || simOn("so101")} onClick={() => void connectSim("so101")}>
          {simOn("so101") ? "Simulated SO-101 connected" : "Start the simulated SO-101"}
        </button>
      </div>
      <div className="card">
        <h2>Simulated Koch v1.1 leader + follower</h2>
        <p>Dynamixel XL330/XL430 servos speaking Protocol 2.0, with the same scripted leader.</p>
        <button type="button" disabled={busy !== undefined || simOn("koch")} onClick={() => void connectSim("koch")}>
          {simOn("koch") ? "Simulated Koch connected" : "Start the simulated Koch"}
        </button>
      </div>
      <div className="card">
        <h2>Connect a real arm</h2>
        {webSerial ? (
          <>
            <p>Plug the arm's USB adapter in and power the motors, then pick its port.</p>
            <div className="row">
              <ArmSelect value={arm} onChange={setArm} label="Arm" ariaLabel="Arm type" />
              <label>
                Name{" "}
                <input aria-label="Arm name" placeholder="left follower" value={name} onChange={(e) => setName(e.target.value)} size={14} />
              </label>
              <label>
                Baud{" "}
                <select value={baud} onChange={(e) => setBaud(Number(e.target.value))} aria-label="Baud rate">
                  {BAUDS.map((b) => (
                    <option key={b} value={b}>
                      {b.toLocaleString("en-US")}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <button type="button" className="primary" disabled={busy !== undefined} onClick={() => void connectReal(arm, name, baud)}>
              Choose a serial port…
            </button>
          </>
        ) : (
          <p className="warn">
            This browser has no Web Serial, so it cannot talk to motors. Use a recent Chrome or Edge on a desktop. You can still use the
            simulated rigs here.
          </p>
        )}
      </div>
    </section>
  );
}
