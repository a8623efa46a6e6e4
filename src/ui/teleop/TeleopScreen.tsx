import { useStore } from "zustand";
import { SampleFrame } from "../../core/LatestSample.ts";
import { ARMS } from "../../core/robots.ts";
import { NO_LEADER, type RobotProfile, teleopArms } from "../../state/index.ts";
import { useStudio } from "../StudioContext.tsx";
import { ErrorBoundary } from "../ErrorBoundary.tsx";
import { ManualControls } from "./ManualControls.tsx";
import { TeleopTwin } from "./TeleopTwin.tsx";
import { LoopChart } from "./LoopChart.tsx";
import { CameraGrid } from "../cameras/CameraGrid.tsx";
import { UrdfPicker } from "./UrdfPicker.tsx";
import { userUrdfUrl } from "./userUrdf.ts";

const STATE_TEXT: Record<string, string> = {
  idle: "ready",
  starting: "starting: taking torque at the follower's present pose…",
  gating: "start gate: bringing the follower to the leader slowly",
  tracking: "following the leader",
  stopped: "stopped (follower holds its pose)",
  estopped: "Emergency stop: torque off",
  fault: "stopped by a fault: torque off",
};

/** " — why", unless the state's own text already says it ("Emergency stop: torque off — emergency stop"). */
function stateReason(text: string | undefined, reason: string | undefined): string {
  if (!reason) return "";
  return text?.toLowerCase().includes(reason.toLowerCase()) ? "" : ` — ${reason}`;
}

function ProfileSelect({
  role,
  profiles,
  value,
  onChange,
}: {
  role: "leader" | "follower";
  profiles: readonly RobotProfile[];
  value: string | undefined;
  onChange: (id: string | undefined) => void;
}) {
  return (
    <label>
      {role === "leader" ? "Leader" : "Follower"}{" "}
      <select
        aria-label={role === "leader" ? "Leader arm" : "Follower arm"}
        value={value ?? ""}
        onChange={(e) => onChange(e.target.value || undefined)}
      >
        <option value="">first connected {role}</option>
        {role === "leader" && <option value={NO_LEADER}>no leader (keyboard, sliders, gamepad, 3D)</option>}
        {profiles.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Leader → follower teleoperation: start, stop, emergency stop, live joints and loop figures. */
export function TeleopScreen() {
  const { teleop, rig } = useStudio();
  const status = useStore(teleop, (s) => s.status);
  const shared = useStore(teleop, (s) => s.shared);
  const error = useStore(teleop, (s) => s.error);
  const start = useStore(teleop, (s) => s.start);
  const stop = useStore(teleop, (s) => s.stop);
  const estop = useStore(teleop, (s) => s.estop);
  const leaderId = useStore(teleop, (s) => s.leaderId);
  const followerId = useStore(teleop, (s) => s.followerId);
  const choose = useStore(teleop, (s) => s.choose);
  const rateHz = useStore(teleop, (s) => s.rateHz);
  const setRate = useStore(teleop, (s) => s.setRate);
  const setSource = useStore(teleop, (s) => s.setSource);
  const setTargets = useStore(teleop, (s) => s.setTargets);
  const preferred = useStore(teleop, (s) => s.preferredSource);
  const profiles = useStore(rig, (s) => s.profiles);
  const rigBusy = useStore(rig, (s) => s.busy);
  useStore(rig, (s) => s.buses); // which leader a start would use depends on what is connected
  const phase = useStore(teleop, (s) => s.phase);
  const state = phase === "starting" ? "starting" : (status?.state ?? "idle");
  const running = state === "gating" || state === "tracking";
  // Before a start the radios choose what the start drives with; a start without a leader drives from targets.
  const arms = teleopArms(rig, leaderId, followerId);
  const leaderReady = running ? status?.hasLeader === true : arms.leader?.calibration !== undefined && arms.connected(arms.leader.id);
  const source = running ? (status?.source ?? "leader") : leaderReady ? preferred : "manual";
  const frame = status ? SampleFrame.fromArray(status.sample, status.joints.length) : undefined;
  const leaders = profiles.filter((p) => p.arm.endsWith("leader"));
  const followers = profiles.filter((p) => p.arm.endsWith("follower"));
  const followerProfile = profiles.find((p) => p.id === (followerId ?? "")) ?? followers[0];

  return (
    <div className="screen teleop-screen">
      <h1>Teleop</h1>
      <div className="row">
        <ProfileSelect role="leader" profiles={leaders} value={leaderId} onChange={(id) => choose(id, followerId)} />
        <ProfileSelect role="follower" profiles={followers} value={followerId} onChange={(id) => choose(leaderId, id)} />
        <label>
          Rate{" "}
          <select aria-label="Loop rate" value={rateHz} disabled={running} onChange={(e) => setRate(Number(e.target.value))}>
            {[30, 50, 100, 150, 200].map((hz) => (
              <option key={hz} value={hz}>
                {hz} Hz
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className={running || phase === "starting" ? undefined : "primary"}
          disabled={running || phase === "starting" || rigBusy !== undefined}
          onClick={() => void start()}
        >
          Start teleoperation
        </button>
        <button type="button" disabled={!running} onClick={() => void stop()}>
          Stop
        </button>
        <button type="button" className="estop" onClick={() => void estop()} title="Torque off everywhere (Escape)">
          EMERGENCY STOP (Esc)
        </button>
      </div>
      <div className="row" role="radiogroup" aria-label="Command source">
        <span className="muted">Drive the follower with:</span>
        <label>
          <input
            type="radio"
            name="source"
            checked={source === "leader"}
            disabled={!leaderReady}
            onChange={() => void setSource("leader")}
          />{" "}
          leader arm
        </label>
        <label>
          <input type="radio" name="source" checked={source === "manual"} onChange={() => void setSource("manual")} /> keyboard and sliders
        </label>
        {!running && (
          <span className="muted small" data-testid="source-hint">
            {leaderReady ? "applies when teleoperation starts" : "no calibrated leader connected: the keyboard and sliders drive"}
          </span>
        )}
      </div>
      {running && source === "manual" && <ManualControls />}
      {error && (
        <p className="bad" role="alert" data-testid="teleop-error">
          {error}
        </p>
      )}
      <p className={`safety ${state}`} data-testid="teleop-state" data-state={state}>
        {state === "tracking" && source === "manual"
          ? "following your targets (keyboard, gamepad, sliders, shift-drag in 3D)"
          : (STATE_TEXT[state] ?? state)}
        {stateReason(STATE_TEXT[state], status?.reason)}
      </p>
      {status && status.warnings.length > 0 && (
        <p className="warn" role="status" data-testid="teleop-warnings">
          ⚠ {status.warnings.join(" · ")}
        </p>
      )}
      {status && (
        <p className="muted stats" data-testid="loop-stats">
          {status.rateHz} Hz · p99 period error {status.p99PeriodErrorMs.toFixed(2)} ms · {status.overruns} overruns · {status.clippedSteps}{" "}
          clipped steps · {status.missingReads} missing reads
        </p>
      )}
      {status && <LoopChart status={status} />}
      {followerProfile && followerProfile.bodyNormMode === "degrees" && (
        <ErrorBoundary
          fallback={(m) => <p className="warn">The 3D view is unavailable in this browser ({m}); teleoperation works without it.</p>}
        >
          <TeleopTwin
            urdfUrl={
              followerProfile.urdf ? userUrdfUrl(`${followerProfile.id}:${followerProfile.updatedAt}`, followerProfile.urdf) : undefined
            }
            robot={ARMS[followerProfile.arm].kind}
            status={status}
            shared={shared}
            onDragJoints={running && source === "manual" ? (deg) => setTargets(deg) : undefined}
          />
        </ErrorBoundary>
      )}
      {followerProfile && <UrdfPicker profile={followerProfile} />}
      <CameraGrid />
      {frame && status && (
        <table className="motors" data-testid="teleop-joints">
          <thead>
            <tr>
              <th>Joint</th>
              <th className="num">Leader</th>
              <th className="num">Follower</th>
              <th className="num">Command</th>
              <th className="num">Error</th>
            </tr>
          </thead>
          <tbody>
            {status.joints.map((name, i) => {
              const l = frame.leader[i]!;
              const f = frame.follower[i]!;
              const c = frame.command[i]!;
              const fmt = (v: number) => (Number.isNaN(v) ? "—" : v.toFixed(1));
              return (
                <tr key={name} data-testid="teleop-joint" data-joint={name}>
                  <td>{name}</td>
                  <td className="num" data-testid="leader">
                    {fmt(l)}
                  </td>
                  <td className="num" data-testid="follower">
                    {fmt(f)}
                  </td>
                  <td className="num">{fmt(c)}</td>
                  <td className="num">{fmt(l - f)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}
