const KEYS: readonly (readonly [string, string, string])[] = [
  ["Escape", "everywhere", "stop: emergency stop (torque off on every arm); ends a recording session, keeping the take for review"],
  ["?", "everywhere", "this list"],
  ["Q/A W/S E/D R/F T/G Y/H", "Teleop, keyboard source", "move each joint up/down"],
  ["Shift + drag the blue handle", "Teleop, keyboard source", "move the tool in 3D (inverse kinematics)"],
  ["→", "Record", "end the take now and keep it; in the reset, start the next take"],
  ["←", "Record", "throw the current take away and record it again"],
  ["Delete / Backspace", "Record", "discard the take under review (not D: D is a joint key of keyboard teleop)"],
  [
    "I",
    "Record, while a take records",
    "type an instruction / interjection: stamped at the row when I was pressed; Enter stamps, Esc cancels",
  ],
  [
    "N",
    "Record, while a take records",
    "next subtask: ends the current subtask and starts one at this row; type its name (optional), Enter",
  ],
  ["Esc (in that input)", "Record", "closes the input only; the take goes on (press Esc again to stop)"],
  [
    "Space",
    "Rollout",
    "take over (the leader is brought to the follower, then yours) / hand back to the policy; a gamepad's A or a foot pedal sending Space too",
  ],
  ["I", "Rollout", "an instruction: the policy's prompt from Enter on, stamped on that row while a take records"],
  ["N", "Rollout, while a take records", "next subtask, as on Record"],
  ["Space", "Episodes player", "play / pause"],
  ["← / →", "Episodes player", "previous / next frame"],
  ["J / K / L", "Episodes player", "back / pause / forward"],
  ["Ctrl+Z / Ctrl+Shift+Z", "Episodes", "undo / redo an annotation edit"],
];

/** The keyboard shortcuts (the `?` key). */
export function HelpOverlay({ onClose }: { onClose: () => void }) {
  return (
    <div className="help-overlay" role="dialog" aria-label="Keyboard shortcuts" data-testid="help-overlay" onClick={onClose}>
      <div className="panel" onClick={(e) => e.stopPropagation()}>
        <h2>Keyboard shortcuts</h2>
        <table className="motors">
          <tbody>
            {KEYS.map(([key, where, what]) => (
              <tr key={key + where}>
                <td className="mono">{key}</td>
                <td className="muted">{where}</td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p className="muted small">Every action also has a button. Press ? or click outside to close.</p>
      </div>
    </div>
  );
}
