import { useEffect, useRef, useState } from "react";
import { useStore } from "zustand";
import type { LiveEntry, LiveLanguageStore } from "../../state/index.ts";

/** The keys (they collide with neither the recording keys → ← D Esc, nor keyboard teleop Q…H, nor ?). */
const LIVE_KEYS = { interjection: "i", subtask: "n" } as const;

// ---- Web Speech dictation, where the browser has it (never required)

interface Recognition {
  lang: string;
  interimResults: boolean;
  continuous: boolean;
  start(): void;
  stop(): void;
  onresult: ((e: { results: ArrayLike<ArrayLike<{ transcript: string }>> }) => void) | null;
  onerror: ((e: { error: string }) => void) | null;
  onend: (() => void) | null;
}

function recognitionClass(): (new () => Recognition) | undefined {
  const w = window as unknown as { SpeechRecognition?: new () => Recognition; webkitSpeechRecognition?: new () => Recognition };
  return w.SpeechRecognition ?? w.webkitSpeechRecognition;
}

function useDictation(onText: (text: string) => void) {
  const Rec = recognitionClass();
  const rec = useRef<Recognition | undefined>(undefined);
  const [listening, setListening] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  useEffect(() => () => rec.current?.stop(), []);
  const toggle = () => {
    if (!Rec) return;
    if (rec.current) {
      rec.current.stop();
      return;
    }
    const r = new Rec();
    r.lang = navigator.language;
    r.interimResults = true;
    r.continuous = false;
    r.onresult = (e) => onText(Array.from(e.results, (res) => res[0]?.transcript ?? "").join(""));
    r.onerror = (e) => setProblem(`Dictation stopped (${e.error}); type instead.`);
    r.onend = () => {
      rec.current = undefined;
      setListening(false);
    };
    rec.current = r;
    setProblem(undefined);
    setListening(true);
    try {
      r.start();
    } catch (e) {
      rec.current = undefined;
      setListening(false);
      setProblem(`Dictation did not start (${e instanceof Error ? e.message : String(e)}); type instead.`);
    }
  };
  return { available: Rec !== undefined, listening, problem, toggle };
}

const isEditable = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);

const when = (frame: number, fps: number) => `${(frame / fps).toFixed(1)} s`;

/** The one-line input: Enter stamps, Esc cancels (and only that: the take goes on). Reusable by a rollout screen. */
function LiveInputLine({ store }: { store: LiveLanguageStore }) {
  const input = useStore(store, (s) => s.input);
  const fps = useStore(store, (s) => s.fps);
  const [text, setText] = useState("");
  const field = useRef<HTMLInputElement>(null);
  const dictation = useDictation((t) => {
    setText(t);
    field.current?.focus();
  });
  if (!input) return null;
  const subtask = input.mode === "subtask";
  const label = subtask
    ? `Name the subtask starting at ${when(input.frame, fps)} (optional)`
    : input.episodeId === undefined
      ? "Instruction (the policy's prompt; no take records now)"
      : `Instruction at ${when(input.frame, fps)}`;
  return (
    <div className="row live-input">
      <label className="grow">
        <span className="small">{label}</span>{" "}
        <input
          ref={field}
          autoFocus
          className="wide"
          aria-label={subtask ? "Subtask name" : "Instruction"}
          data-testid="live-input"
          value={text}
          placeholder={
            subtask ? "e.g. grasp the cube — Enter to name, Esc to leave unnamed" : "e.g. a bit more to the left — Enter to stamp"
          }
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            // Keys typed here are text: no recording, teleop or help shortcut sees them; Esc closes only this input.
            e.stopPropagation();
            if (e.key === "Enter") store.getState().submit(text);
            else if (e.key === "Escape") {
              e.preventDefault();
              store.getState().cancel();
            }
          }}
        />
      </label>
      {dictation.available && (
        <button type="button" onMouseDown={(e) => e.preventDefault()} onClick={dictation.toggle} title="Dictate (Web Speech)">
          {dictation.listening ? "■ Stop dictation" : "Dictate"}
        </button>
      )}
      {dictation.problem && <span className="warn small">{dictation.problem}</span>}
    </div>
  );
}

function EntryItem({ e, fps, naming }: { e: LiveEntry; fps: number; naming: boolean }) {
  return (
    <li data-kind={e.kind}>
      <span className="mono">
        {when(e.frame, fps)} <span className="muted">row {e.frame}</span>
      </span>{" "}
      <span className="muted">{e.kind === "subtask" ? "subtask from here" : "interjection"}</span>{" "}
      {e.text ? `“${e.text}”` : <span className="muted">{naming ? "(naming…)" : "(unnamed — name it on the Episodes timeline)"}</span>}
    </li>
  );
}

/**
 * Language during a take: I opens the one-line input for an instruction or interjection, N marks
 * the next subtask (and offers to name it). What is stamped is listed here and lands in the take's
 * annotations (Episodes timeline, v3.0 export). Keys act only while a take records — or, for I,
 * while the engine takes prompt-only instructions (a policy rollout between takes).
 * `hint`: what the keys do, where the screen differs (a rollout stamps at Enter).
 */
export function LiveLanguageBar({ store, hint }: { store: LiveLanguageStore; hint?: string }) {
  const recording = useStore(store, (s) => s.recording);
  const promptOnly = useStore(store, (s) => s.promptOnly);
  const input = useStore(store, (s) => s.input);
  const entries = useStore(store, (s) => s.entries);
  const fps = useStore(store, (s) => s.fps);
  const error = useStore(store, (s) => s.error);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || isEditable(e.target)) return;
      const key = e.key.toLowerCase();
      const st = store.getState();
      if (key === LIVE_KEYS.interjection && st.openInterjection()) e.preventDefault();
      else if (key === LIVE_KEYS.subtask && st.markSubtask()) e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [store]);

  if (!recording && !promptOnly && !input && entries.length === 0) return null;
  return (
    <section className="panel live-language" data-testid="live-language" aria-label="Language during the take">
      {(recording || promptOnly) && (
        <div className="row">
          <button type="button" onClick={() => store.getState().openInterjection()} title="I">
            Instruction (I)
          </button>
          {recording && (
            <button type="button" onClick={() => store.getState().markSubtask()} title="N">
              Next subtask (N)
            </button>
          )}
          <span className="muted small">
            {hint ?? "stamped at the row when you press the key · Enter stamps · Esc cancels the input (the take goes on)"}
          </span>
        </div>
      )}
      {input && <LiveInputLine key={`${input.mode}-${input.episodeId}-${input.frame}`} store={store} />}
      {error && (
        <p className="bad" role="alert">
          {error}
        </p>
      )}
      {entries.length > 0 && (
        <ul className="small live-entries" data-testid="live-entries">
          {entries.map((e) => (
            <EntryItem key={e.id} e={e} fps={fps} naming={e.kind === "subtask" && input?.mode === "subtask" && input.frame === e.frame} />
          ))}
        </ul>
      )}
    </section>
  );
}
