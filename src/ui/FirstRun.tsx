import { type ReactNode, useEffect, useState } from "react";
import { useStore } from "zustand";
import { teleopArms } from "../state/index.ts";
import { useStudio } from "./StudioContext.tsx";

const HIDDEN_KEY = "studio.firstRun.hidden";

function hiddenAtStart(): boolean {
  try {
    return localStorage.getItem(HIDDEN_KEY) === "1";
  } catch {
    return false;
  }
}

function Step({ n, done, current, title, children }: { n: number; done: boolean; current: boolean; title: string; children?: ReactNode }) {
  return (
    <li className={`first-run-step${done ? " done" : ""}${current ? " current" : ""}`} data-testid="first-run-step" data-done={done}>
      <span className="first-run-mark" aria-hidden="true">
        {done ? "✓" : n}
      </span>
      <span className="first-run-title">{title}</span>
      {children}
    </li>
  );
}

/**
 * The first-run path, at the top of the Rig screen: a connected rig → start teleoperation → record
 * a first episode, each step ticked from the studio's own state, the next one with its button.
 */
export function FirstRun() {
  const { rig, teleop, datasets } = useStudio();
  const teleopRan = useStore(teleop, (s) => s.status !== undefined);
  const leaderId = useStore(teleop, (s) => s.leaderId);
  const followerId = useStore(teleop, (s) => s.followerId);
  // The follower a start would drive, if it is connected and calibrated ("" if none).
  const ready = useStore(rig, () => {
    const { follower, connected } = teleopArms(rig, leaderId, followerId);
    return follower && connected(follower.id) && follower.calibration ? follower.name : "";
  });
  const list = useStore(datasets, (s) => s.datasets);
  const [hidden, setHidden] = useState(hiddenAtStart);
  useEffect(() => {
    void datasets.getState().refresh();
  }, [datasets]);
  if (hidden) return null;
  const rigReady = ready !== "";
  const recorded = list.some((d) => d.episodes.length > 0);
  const steps = [rigReady, teleopRan || recorded, recorded];
  const current = steps.indexOf(false);
  const hide = () => {
    setHidden(true);
    try {
      localStorage.setItem(HIDDEN_KEY, "1");
    } catch {
      // private mode: hidden for this page only
    }
  };
  return (
    <section className="panel first-run" data-testid="first-run" aria-label="Getting started">
      <header className="row">
        <h2>{current === -1 ? "You are set up" : "Getting started"}</h2>
        <span className="muted small">
          Press <kbd>?</kbd> for every keyboard shortcut.
        </span>
        <button type="button" className="link-button" onClick={hide}>
          Hide
        </button>
      </header>
      <ol className="first-run-steps">
        <Step n={1} done={steps[0]!} current={current === 0} title={rigReady ? `${ready} is connected and calibrated` : "Connect an arm"}>
          {!rigReady && <span className="muted small">Start the simulated SO-101 below, or connect a real arm and calibrate it.</span>}
        </Step>
        <Step n={2} done={steps[1]!} current={current === 1} title="Start teleoperation">
          {current === 1 && (
            <button
              type="button"
              className="primary"
              onClick={() => {
                location.hash = "#teleop";
                void teleop.getState().start();
              }}
            >
              Start teleoperation
            </button>
          )}
        </Step>
        <Step n={3} done={steps[2]!} current={current === 2} title="Record your first episode">
          {current === 2 && (
            <a className="button primary" href="#record">
              Go to Record
            </a>
          )}
          {current === -1 && (
            <span className="muted small">
              Then browse it in <a href="#episodes">Episodes</a> and export it from <a href="#datasets">Datasets</a>.
            </span>
          )}
        </Step>
      </ol>
    </section>
  );
}
