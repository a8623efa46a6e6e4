import { useEffect, useRef, useState } from "react";
import { useStore } from "zustand";
import { useStudio } from "../StudioContext.tsx";

/** Keys per joint: first raises the target, second lowers it. */
export const JOINT_KEYS: readonly (readonly [string, string])[] = [
  ["q", "a"],
  ["w", "s"],
  ["e", "d"],
  ["r", "f"],
  ["t", "g"],
  ["y", "h"],
];

const DEADZONE = 0.15;
const NONE: readonly string[] = [];
const NONE_RANGES: readonly { min: number; max: number }[] = [];

/**
 * Gamepad mapping (standard layout): left stick X/Y → shoulder_pan/shoulder_lift, right stick
 * Y/X → elbow_flex/wrist_flex, bumpers → wrist_roll, triggers → gripper. Returns −1..1 per joint.
 */
export function gamepadRates(pad: { axes: readonly number[]; buttons: readonly { value: number }[] }): number[] {
  const axis = (i: number) => {
    const v = pad.axes[i] ?? 0;
    return Math.abs(v) < DEADZONE ? 0 : v;
  };
  const button = (i: number) => pad.buttons[i]?.value ?? 0;
  return [axis(0), -axis(1), -axis(3), axis(2), button(5) - button(4), button(7) - button(6)];
}

/**
 * Held joint keys (Q/A … Y/H) and a gamepad move targets by `nudge` at `speed` units/s, by
 * elapsed time (a late timer does not slow them down); while `enabled`.
 */
export function useJointKeys(nudge: (joint: number, delta: number) => void, speed: number, enabled = true): void {
  const held = useRef(new Set<string>());
  useEffect(() => {
    if (!enabled) return;
    const down = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.target instanceof HTMLTextAreaElement) return;
      if (JOINT_KEYS.some(([a, b]) => a === e.key.toLowerCase() || b === e.key.toLowerCase())) held.current.add(e.key.toLowerCase());
    };
    const up = (e: KeyboardEvent) => held.current.delete(e.key.toLowerCase());
    const blur = () => held.current.clear();
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    window.addEventListener("blur", blur);
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      const dt = Math.min(100, now - last);
      last = now;
      const pads = typeof navigator.getGamepads === "function" ? navigator.getGamepads() : [];
      const pad = pads.find((p) => p !== null && p.connected);
      const rates = pad ? gamepadRates(pad) : [];
      JOINT_KEYS.forEach(([plus, minus], i) => {
        const dir = (held.current.has(plus) ? 1 : 0) - (held.current.has(minus) ? 1 : 0) + (rates[i] ?? 0);
        if (dir !== 0) nudge(i, (dir * speed * dt) / 1000);
      });
    }, 1000 / 30);
    return () => {
      clearInterval(timer);
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
      window.removeEventListener("blur", blur);
    };
  }, [nudge, speed, enabled]);
}

/** Keyboard, gamepad and on-screen sliders: set the follower's targets directly, with the loop's safety. */
export function ManualControls() {
  const { teleop } = useStudio();
  const targets = useStore(teleop, (s) => s.targets);
  const joints = useStore(teleop, (s) => s.status?.joints ?? NONE);
  const ranges = useStore(teleop, (s) => s.status?.ranges ?? NONE_RANGES);
  const setTarget = useStore(teleop, (s) => s.setTarget);
  const nudge = useStore(teleop, (s) => s.nudge);
  const [speed, setSpeed] = useState(30);

  useJointKeys(nudge, speed);

  const running = useStore(teleop, (s) => s.status?.state === "gating" || s.status?.state === "tracking");
  if (targets.length === 0)
    return (
      <p className="muted">
        {running ? "Reading where the follower is…" : "Start teleoperation to drive the follower by keyboard or sliders."}
      </p>
    );
  return (
    <div className="manual" data-testid="manual-controls">
      <div className="row">
        <label>
          Keyboard speed{" "}
          <select aria-label="Keyboard speed" value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
            {[10, 30, 60, 90].map((v) => (
              <option key={v} value={v}>
                {v} °/s
              </option>
            ))}
          </select>
        </label>
        <span className="muted">
          Gamepad: sticks, bumpers and triggers. Keys:{" "}
          {JOINT_KEYS.map(([a, b], i) => `${a.toUpperCase()}/${b.toUpperCase()} ${joints[i] ?? ""}`).join(" · ")}
        </span>
      </div>
      {joints.map((name, i) => {
        const gripper = name === "gripper";
        const v = targets[i] ?? 0;
        const r = ranges[i];
        const min = r && Number.isFinite(r.min) ? r.min : gripper ? 0 : -180;
        const max = r && Number.isFinite(r.max) ? r.max : gripper ? 100 : 180;
        return (
          <label key={name} className="slider-row">
            <span>{name}</span>
            <input
              type="range"
              aria-label={`${name} target`}
              min={min}
              max={max}
              step={0.5}
              value={Number.isNaN(v) ? 0 : v}
              onChange={(e) => setTarget(i, Number(e.target.value))}
            />
            <span className="num" data-testid="target">
              {Number.isNaN(v) ? "—" : v.toFixed(1)}
            </span>
            <span className="muted num range" data-testid="range" title="The joint's calibrated range: targets stay inside it">
              {min.toFixed(0)}…{max.toFixed(0)}
            </span>
          </label>
        );
      })}
    </div>
  );
}
