import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import {
  PHONE_RESOLUTIONS,
  PhoneCameraSender,
  type PhoneResolution,
  type PhoneSenderStatus,
} from "../../capture/phone/PhoneCameraSender.ts";
import { codeFromHash, signalingUrlFor } from "../../capture/phone/signalingProtocol.ts";

/** Why the page cannot work at all, or undefined. */
function blocker(code: string | undefined): string | undefined {
  if (!window.isSecureContext) {
    return "This page was opened over plain http:// from another device, so the browser will not give it the camera. Open the https:// link (or scan the QR code) shown in the studio, and accept the certificate warning.";
  }
  if (!navigator.mediaDevices?.getUserMedia) return "This browser cannot share its camera with web pages. Try Chrome or Safari.";
  if (typeof RTCPeerConnection === "undefined") return "This browser cannot stream video to the studio (no WebRTC). Try Chrome or Safari.";
  if (code === undefined) return "This link has no pairing code. Scan the QR code shown in the studio (or copy its link exactly).";
  return undefined;
}

function tokenStore(code: string): { get(): string | undefined; set(token: string | undefined): void } {
  const key = `studio.phoneCamera.resume.${code}`;
  return {
    get: () => {
      try {
        return sessionStorage.getItem(key) ?? undefined;
      } catch {
        return undefined;
      }
    },
    set: (token) => {
      try {
        if (token === undefined) sessionStorage.removeItem(key);
        else sessionStorage.setItem(key, token);
      } catch {
        // storage unavailable: a reload will need a new code
      }
    },
  };
}

const ACTIVE: readonly PhoneSenderStatus[] = ["camera", "joining", "waiting", "connecting", "live", "reconnecting"];

export function PhonePage() {
  const code = useMemo(() => codeFromHash(location.hash), []);
  const problem = useMemo(() => blocker(code), [code]);
  if (problem !== undefined || code === undefined) {
    return (
      <main className="phone">
        <h1>Phone camera</h1>
        <p className="phone-problem" data-testid="phone-status" data-status="blocked" role="alert">
          {problem}
        </p>
      </main>
    );
  }
  return <PhoneSenderView code={code} />;
}

function PhoneSenderView({ code }: { code: string }) {
  const sender = useMemo(
    () => new PhoneCameraSender({ code, signalingUrl: signalingUrlFor(location.href), tokenStore: tokenStore(code) }),
    [code],
  );
  const state = useSyncExternalStore(
    (l) => sender.subscribe(l),
    () => sender.getState(),
  );
  const [resolution, setResolution] = useState<PhoneResolution>("1280x720");
  const video = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    const v = video.current;
    if (v && v.srcObject !== (state.stream ?? null)) v.srcObject = state.stream ?? null;
  }, [state.stream]);

  // No stop on unmount/unload: a reload re-attaches with the resume token; closing the page ends the video.

  const active = ACTIVE.includes(state.status);
  const over = state.status === "refused" || state.status === "ended";
  const s = state.settings;

  return (
    <main className="phone">
      <h1>Phone camera</h1>
      <p className={`phone-status phone-status-${state.status}`} data-testid="phone-status" data-status={state.status} role="status">
        {state.message}
      </p>
      <video ref={video} className="phone-preview" data-testid="phone-preview" muted playsInline autoPlay />
      {s && state.stream && (
        <p className="phone-settings" data-testid="phone-settings">
          {s.width ?? "?"}×{s.height ?? "?"}
          {s.frameRate !== null ? ` @ ${Math.round(s.frameRate)} fps` : ""}
        </p>
      )}
      {!over && (
        <div className="phone-controls">
          <label>
            Resolution{" "}
            <select
              data-testid="phone-resolution"
              value={resolution}
              onChange={(e) => {
                const r = e.target.value as PhoneResolution;
                setResolution(r);
                if (active) void sender.setResolution(r);
              }}
            >
              {Object.keys(PHONE_RESOLUTIONS).map((r) => (
                <option key={r} value={r}>
                  {r.replace("x", "×")}
                </option>
              ))}
            </select>
          </label>
          {active ? (
            <button type="button" data-testid="phone-stop" onClick={() => sender.stop()}>
              Stop
            </button>
          ) : (
            <button type="button" data-testid="phone-start" onClick={() => void sender.start(resolution)}>
              Start camera
            </button>
          )}
        </div>
      )}
      <p className="phone-hint">Keep this page open and the screen on while the studio records.</p>
    </main>
  );
}
