import { useMemo, useRef, useState } from "react";
import { useStore } from "zustand";
import {
  addEvent,
  addSpan,
  addTag,
  keptRange,
  removeEvent,
  removeSpan,
  removeTag,
  setSuccess,
  setTask,
  setTrim,
  suggestTasks,
  updateEvent,
  updateSpan,
} from "../../core/annotations.ts";
import type { PointEvent } from "../../core/dataset.ts";
import type { EpisodeData } from "../../state/index.ts";
import { useStudio } from "../StudioContext.tsx";

const NO_TASKS: readonly string[] = [];

const newId = () => (typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`);

/** A text field that commits once (Enter or leaving it), so each edit is one undo step. */
function CommitInput({
  value,
  onCommit,
  ...rest
}: { value: string; onCommit: (v: string) => void } & Omit<React.InputHTMLAttributes<HTMLInputElement>, "value" | "onChange">) {
  const [draft, setDraft] = useState<string | undefined>(undefined);
  const commitDraft = () => {
    if (draft !== undefined && draft !== value) onCommit(draft);
    setDraft(undefined);
  };
  return (
    <input
      {...rest}
      value={draft ?? value}
      onChange={(e) => setDraft(e.target.value)}
      onBlur={commitDraft}
      onKeyDown={(e) => {
        if (e.key === "Enter") commitDraft();
        if (e.key === "Escape") setDraft(undefined);
        e.stopPropagation();
      }}
    />
  );
}

/**
 * The timeline under the player: kept range (trim), subtask spans (drag on the span lane to draw
 * one), point events, and the playhead; click anywhere to seek.
 */
function Timeline({ data, onDrawn }: { data: EpisodeData; onDrawn: (a: number, b: number) => void }) {
  const { episodes } = useStudio();
  const frame = useStore(episodes, (s) => s.frame);
  const doc = useStore(episodes, (s) => s.history?.present);
  const bar = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<{ a: number; b: number } | undefined>(undefined);
  const rows = Math.max(1, data.rows);
  const pct = (f: number) => `${(100 * f) / rows}%`;
  const frameAt = (clientX: number) => {
    const r = bar.current!.getBoundingClientRect();
    return Math.max(0, Math.min(rows, Math.round(((clientX - r.left) / r.width) * rows)));
  };
  if (!doc) return null;
  const kept = keptRange(doc.annotations, data.rows);
  return (
    <div className="timeline" ref={bar} data-testid="timeline">
      <div
        className="timeline-lane spans-lane"
        data-testid="span-lane"
        title="Drag to draw a subtask span"
        onPointerDown={(e) => {
          (e.target as Element).setPointerCapture?.(e.pointerId);
          const f = frameAt(e.clientX);
          setDrag({ a: f, b: f });
        }}
        onPointerMove={(e) => drag && setDrag({ a: drag.a, b: frameAt(e.clientX) })}
        onPointerUp={() => {
          if (drag) {
            if (Math.abs(drag.b - drag.a) >= 1) onDrawn(Math.min(drag.a, drag.b), Math.max(drag.a, drag.b));
            else episodes.getState().seek(drag.a);
          }
          setDrag(undefined);
        }}
      >
        {doc.annotations.spans.map((s, i) => (
          <div
            key={s.id}
            className={`span-bar c${i % 4}`}
            style={{ left: pct(s.startFrame), width: pct(s.endFrame - s.startFrame) }}
            title={`${s.text} (${s.startFrame}–${s.endFrame})`}
            data-testid="span-bar"
          >
            {s.text}
          </div>
        ))}
        {drag && (
          <div className="span-bar drawing" style={{ left: pct(Math.min(drag.a, drag.b)), width: pct(Math.abs(drag.b - drag.a)) }} />
        )}
      </div>
      {doc.annotations.interventions && (
        <div
          className="timeline-lane intervention-lane"
          data-testid="intervention-lane"
          title="Policy rollout: grey = the policy acted, red = a person corrected"
          onClick={(e) => episodes.getState().seek(frameAt(e.clientX))}
        >
          {doc.annotations.interventions.map((s) => (
            <div
              key={s.startFrame}
              className="intervention-bar"
              style={{ left: pct(s.startFrame), width: pct(s.endFrame - s.startFrame) }}
              title={`corrected: frames ${s.startFrame}–${s.endFrame - 1}`}
              data-testid="intervention-bar"
            />
          ))}
        </div>
      )}
      <div className="timeline-lane events-lane" onClick={(e) => episodes.getState().seek(frameAt(e.clientX))}>
        {doc.annotations.events.map((ev) => (
          <div
            key={ev.id}
            className={`event-mark ${ev.kind}`}
            style={{ left: pct(ev.frame) }}
            title={`${ev.kind}: ${ev.text} (frame ${ev.frame})`}
          />
        ))}
      </div>
      {kept.start > 0 && <div className="trimmed" style={{ left: 0, width: pct(kept.start) }} />}
      {kept.end < data.rows && <div className="trimmed" style={{ left: pct(kept.end), right: 0 }} />}
      <div className="playhead" style={{ left: pct(frame) }} />
    </div>
  );
}

/** Task, subtask spans, point events, success, tags and trim of the open episode; undoable, saved as you go. */
export function AnnotationPanel({ data }: { data: EpisodeData }) {
  const { episodes } = useStudio();
  const doc = useStore(episodes, (s) => s.history?.present);
  const canUndo = useStore(episodes, (s) => (s.history?.past.length ?? 0) > 0);
  const canRedo = useStore(episodes, (s) => (s.history?.future.length ?? 0) > 0);
  const save = useStore(episodes, (s) => s.save);
  const saveError = useStore(episodes, (s) => s.saveError);
  const frame = useStore(episodes, (s) => s.frame);
  const library = useStore(episodes, (s) => s.datasets.find((d) => d.id === data.episode.datasetId)?.tasks ?? NO_TASKS);
  const { edit, undo, redo } = episodes.getState();
  const [taskDraft, setTaskDraft] = useState<string | undefined>(undefined);
  const [pending, setPending] = useState<{ a: number; b: number } | undefined>(undefined);
  const [spanText, setSpanText] = useState("");
  const [eventKind, setEventKind] = useState<PointEvent["kind"]>("correction");
  const [eventText, setEventText] = useState("");
  const [tag, setTag] = useState("");
  const keyframes = useMemo(() => data.cameras.values().next().value?.keyframes ?? [], [data]);
  const suggestions = useMemo(() => suggestTasks(library, taskDraft ?? doc?.task ?? "", 12), [library, taskDraft, doc?.task]);
  if (!doc) return null;
  const a = doc.annotations;
  const rows = data.rows;
  const kept = keptRange(a, rows);
  const commitTask = () => {
    if (taskDraft !== undefined && taskDraft !== doc.task) edit((d) => setTask(d, taskDraft.trim()));
    setTaskDraft(undefined);
  };
  const addPendingSpan = () => {
    if (!pending || !spanText.trim()) return;
    edit((d) => addSpan(d, { id: newId(), startFrame: pending.a, endFrame: pending.b, text: spanText.trim() }, rows));
    setPending(undefined);
    setSpanText("");
  };
  const stop = (e: React.KeyboardEvent) => e.stopPropagation();
  return (
    <section className="annotation" data-testid="annotation">
      <div className="row">
        <label className="task-field">
          Task{" "}
          <input
            list="task-library"
            value={taskDraft ?? doc.task}
            placeholder="What the robot does, e.g. pick the red cube and place it in the bowl"
            aria-label="Task"
            onChange={(e) => setTaskDraft(e.target.value)}
            onBlur={commitTask}
            onKeyDown={(e) => {
              if (e.key === "Enter") commitTask();
              e.stopPropagation();
            }}
          />
          <datalist id="task-library">
            {suggestions.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </label>
        <span className="spacer" />
        <button onClick={undo} disabled={!canUndo} title="Undo (Ctrl+Z)">
          Undo
        </button>
        <button onClick={redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)">
          Redo
        </button>
        <span className={`pill save-${save}`} data-testid="save-state" data-save={save}>
          {save === "saved" ? "saved" : save === "saving" ? "saving…" : save === "unsaved" ? "editing…" : "not saved"}
        </span>
      </div>
      {saveError && <p className="bad">{saveError}</p>}
      <Timeline
        data={data}
        onDrawn={(x, y) => {
          setPending({ a: x, b: y });
          setSpanText("");
        }}
      />
      {pending && (
        <div className="row pending-span">
          <span className="mono small">
            frames {pending.a}–{pending.b}
          </span>
          <input
            autoFocus
            value={spanText}
            aria-label="Span text"
            placeholder="What happens here, e.g. grasp the cup"
            onChange={(e) => setSpanText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") addPendingSpan();
              if (e.key === "Escape") setPending(undefined);
              e.stopPropagation();
            }}
          />
          <button onClick={addPendingSpan} disabled={!spanText.trim()}>
            Add span
          </button>
          <button onClick={() => setPending(undefined)}>Cancel</button>
        </div>
      )}
      <div className="annotation-grid">
        <div>
          <h4>Subtask spans</h4>
          {a.spans.length === 0 && <p className="muted small">Drag on the timeline to mark a subtask.</p>}
          <ul className="span-list">
            {a.spans.map((s) => (
              <li key={s.id} data-testid="span-item">
                <button className="link mono small" onClick={() => episodes.getState().seek(s.startFrame)} title="Go to the span's start">
                  {s.startFrame}–{s.endFrame}
                </button>
                <CommitInput value={s.text} aria-label="Span text" onCommit={(v) => edit((d) => updateSpan(d, s.id, { text: v }, rows))} />
                <button
                  onClick={() => edit((d) => updateSpan(d, s.id, { startFrame: frame }, rows))}
                  title="Start the span at the current frame"
                >
                  ⇤ here
                </button>
                <button
                  onClick={() => edit((d) => updateSpan(d, s.id, { endFrame: frame + 1 }, rows))}
                  title="End the span after the current frame"
                >
                  here ⇥
                </button>
                <button onClick={() => edit((d) => removeSpan(d, s.id))} aria-label={`Remove span ${s.text}`}>
                  ×
                </button>
              </li>
            ))}
          </ul>
          <h4>Events</h4>
          <div className="row">
            <select value={eventKind} onChange={(e) => setEventKind(e.target.value as PointEvent["kind"])} aria-label="Event kind">
              <option value="correction">correction</option>
              <option value="interjection">interjection</option>
              <option value="note">note</option>
            </select>
            <input
              value={eventText}
              onChange={(e) => setEventText(e.target.value)}
              onKeyDown={stop}
              placeholder="e.g. move further left"
              aria-label="Event text"
            />
            <button
              disabled={!eventText.trim()}
              onClick={() => {
                edit((d) => addEvent(d, { id: newId(), frame, kind: eventKind, text: eventText.trim() }, rows));
                setEventText("");
              }}
            >
              Add at frame {frame}
            </button>
          </div>
          <ul className="span-list">
            {a.events.map((ev) => (
              <li key={ev.id} data-testid="event-item">
                <button className="link mono small" onClick={() => episodes.getState().seek(ev.frame)}>
                  {ev.frame}
                </button>
                <span className="small muted">{ev.kind}</span>
                <CommitInput value={ev.text} aria-label="Event text" onCommit={(v) => edit((d) => updateEvent(d, ev.id, { text: v }))} />
                <button onClick={() => edit((d) => removeEvent(d, ev.id))} aria-label={`Remove event ${ev.text}`}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        </div>
        <div>
          <h4>Outcome</h4>
          <div className="row" role="radiogroup" aria-label="Outcome">
            {(
              [
                [true, "success"],
                [false, "failure"],
                [null, "not rated"],
              ] as const
            ).map(([v, label]) => (
              <label key={label}>
                <input type="radio" name="outcome" checked={a.success === v} onChange={() => edit((d) => setSuccess(d, v))} /> {label}
              </label>
            ))}
          </div>
          <h4>Tags</h4>
          <div className="row tags">
            {a.tags.map((t) => (
              <span key={t} className="pill tag" data-testid="tag">
                {t}{" "}
                <button className="link" onClick={() => edit((d) => removeTag(d, t))} aria-label={`Remove tag ${t}`}>
                  ×
                </button>
              </span>
            ))}
            <input
              value={tag}
              aria-label="New tag"
              placeholder="add a tag, Enter"
              onChange={(e) => setTag(e.target.value)}
              onKeyDown={(e) => {
                e.stopPropagation();
                if (e.key === "Enter" && tag.trim()) {
                  edit((d) => addTag(d, tag));
                  setTag("");
                }
              }}
            />
          </div>
          <h4>Trim</h4>
          <div className="row" data-testid="trim" data-trim-start={kept.start} data-trim-end={kept.end}>
            <span className="mono small">
              keep frames {kept.start}–{kept.end - 1} ({kept.end - kept.start} of {rows})
            </span>
            <button
              onClick={() => edit((d) => setTrim(d, frame, d.annotations.trimEnd, rows, keyframes))}
              title="Start at the keyframe at or before this frame"
            >
              Trim start here
            </button>
            <button
              onClick={() => edit((d) => setTrim(d, d.annotations.trimStart, frame + 1, rows, keyframes))}
              title="End after this frame"
            >
              Trim end here
            </button>
            <button onClick={() => edit((d) => setTrim(d, 0, null, rows, keyframes))} disabled={kept.start === 0 && kept.end === rows}>
              Clear trim
            </button>
          </div>
          <p className="muted small">
            The kept part starts on a keyframe (the video is cut without re-encoding), so a trim start snaps back to one.
          </p>
        </div>
      </div>
    </section>
  );
}
