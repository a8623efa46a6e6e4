import { useStore } from "zustand";
import { useStudio } from "../StudioContext.tsx";
import { fmt, Figures, pathLabel } from "./figures.tsx";
import { OperatorView } from "./OperatorView.tsx";

/** The station's side: share a one-time link, see the operator's link, e-stop, take over locally. */
function StationView() {
  const { remote, teleop } = useStudio();
  const st = useStore(remote, (s) => s.station);
  const share = useStore(remote, (s) => s.share);
  const endShare = useStore(remote, (s) => s.endShare);
  const takeOver = useStore(remote, (s) => s.takeOver);
  const handBack = useStore(remote, (s) => s.handBack);
  const estop = useStore(teleop, (s) => s.estop);
  const source = useStore(teleop, (s) => s.status?.source);
  const iceText = useStore(remote, (s) => s.iceText);
  const iceError = useStore(remote, (s) => s.iceError);
  const setIce = useStore(remote, (s) => s.setIce);
  const open = st.status === "opening" || st.status === "waiting" || st.status === "connected";
  const g = st.link.gate;
  return (
    <section className="panel" data-testid="remote-station" data-status={st.status}>
      <h2>Share this station with a remote operator</h2>
      <p className="muted">
        The operator sees the cameras and the twin and drives the follower from their browser. Every command passes this station's start
        gate, limits and max step; stale commands are dropped; with no fresh command the follower holds. Escape here stops everything.
      </p>
      <div className="row">
        <button type="button" className="primary" disabled={open} onClick={share}>
          Share this station
        </button>
        <button type="button" disabled={!open} onClick={endShare}>
          End the remote session
        </button>
        <button type="button" disabled={st.status !== "connected" || st.local} onClick={() => void takeOver()}>
          Take over locally
        </button>
        <button type="button" disabled={!st.local || st.status !== "connected"} onClick={handBack}>
          Hand back to the operator
        </button>
        <button type="button" className="estop" onClick={() => void estop()} title="Torque off everywhere (Escape)">
          EMERGENCY STOP (Esc)
        </button>
      </div>
      <p data-testid="station-status" role="status">
        {st.message}
        {st.status === "connected" && ` Driven by: ${source === "remote" && !st.local ? "the remote operator" : "this station"}.`}
      </p>
      {st.pairing && st.status === "waiting" && (
        <div className="row">
          <div className="qr" dangerouslySetInnerHTML={{ __html: st.pairing.qrSvg }} />
          <p className="mono small">
            <a href={st.pairing.link} target="_blank" rel="noreferrer" data-testid="remote-link">
              {st.pairing.link}
            </a>
          </p>
        </div>
      )}
      {st.status === "connected" && (
        <Figures
          testId="station-link"
          rows={[
            ["round trip", `${fmt(st.link.rttMs)} ms`],
            ["path", pathLabel(st.link.path)],
            ["commands received", String(st.link.received)],
            ["applied", String(g?.applied ?? 0)],
            [
              "dropped: stale / out of sequence / before clock sync / overwritten unread",
              `${g?.droppedStale ?? 0} / ${g?.droppedOutOfOrder ?? 0} / ${st.link.unsynced} / ${g?.overwritten ?? 0}`,
            ],
            ["command age when applied (p50 / p99)", `${fmt(g?.ageP50Ms ?? NaN)} / ${fmt(g?.ageP99Ms ?? NaN)} ms`],
            ["of which waiting for the loop's tick (p50 / p99)", `${fmt(g?.waitP50Ms ?? NaN)} / ${fmt(g?.waitP99Ms ?? NaN)} ms`],
            ["holds (link quiet)", `${g?.holds ?? 0}${g?.holding ? " · holding now" : ""}`],
            ["video sent", `${fmt(st.link.videoKbps)} kbit/s · ${fmt(st.link.videoFps)} fps`],
          ]}
        />
      )}
      <details>
        <summary>Network: STUN/TURN servers (for operators outside this network)</summary>
        <textarea
          aria-label="STUN and TURN servers"
          rows={3}
          cols={60}
          value={iceText}
          placeholder={"stun:stun.example.org:3478\nturn:turn.example.org:3478 user password"}
          onChange={(e) => setIce(e.target.value)}
        />
        <p className="muted small">
          One server a line. A line <code>relay-only</code> sends everything through the TURN server: check that it works before an operator
          outside this network relies on it (the link panel&apos;s path then says &quot;relayed by the TURN server&quot;).
        </p>
        {iceError && <p className="bad">{iceError}</p>}
      </details>
    </section>
  );
}

/** Remote teleoperation: this browser as the station (sharing its arm), or as the operator (opened with a link). */
export function RemoteScreen() {
  const { remote } = useStudio();
  const operating = useStore(remote, (s) => s.operator.status !== "idle");
  return (
    <div className="screen remote-screen">
      <h1>Remote</h1>
      {operating ? <OperatorView /> : <StationView />}
    </div>
  );
}
