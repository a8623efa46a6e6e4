import { useState } from "react";
import type { ProtocolId } from "../../protocol/types.ts";
import { useRig, useStudio } from "../StudioContext.tsx";

const BAUDS = [1_000_000, 500_000, 115_200, 57_600];

/** The start of everything: the simulated rig beside a real arm. */
export function ConnectPanel() {
  const { webSerial } = useStudio();
  const buses = useRig((s) => s.buses);
  const busy = useRig((s) => s.busy);
  const connectSim = useRig((s) => s.connectSimulatedRig);
  const connectReal = useRig((s) => s.connectRealArm);
  const [protocol, setProtocol] = useState<ProtocolId>("feetech");
  const [baud, setBaud] = useState(1_000_000);
  const simConnected = buses.some((b) => b.info.simulated && b.status === "connected");

  return (
    <section className="connect-cards">
      <div className="card">
        <h2>Simulated SO-101 leader + follower</h2>
        <p>
          Twelve simulated STS3215 servos on two virtual USB adapters. They answer the real protocol byte for byte;
          the leader is moved by a scripted hand so you can try everything without hardware.
        </p>
        <button type="button" className="primary" disabled={busy !== undefined || simConnected} onClick={() => void connectSim()}>
          {simConnected ? "Simulated rig connected" : "Start the simulated rig"}
        </button>
      </div>
      <div className="card">
        <h2>Connect a real arm</h2>
        {webSerial ? (
          <>
            <p>Plug the arm's USB adapter in and power the motors, then pick its port.</p>
            <div className="row">
              <label>
                Motors{" "}
                <select value={protocol} onChange={(e) => setProtocol(e.target.value as ProtocolId)} aria-label="Protocol">
                  <option value="feetech">Feetech STS (SO-100 / SO-101)</option>
                  <option value="dynamixel">Dynamixel X (Koch)</option>
                </select>
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
            <button type="button" className="primary" disabled={busy !== undefined} onClick={() => void connectReal(protocol, baud)}>
              Choose a serial port…
            </button>
          </>
        ) : (
          <p className="warn">
            This browser has no Web Serial, so it cannot talk to motors. Use a recent Chrome or Edge on a desktop. You can
            still use the simulated rig here.
          </p>
        )}
      </div>
    </section>
  );
}
