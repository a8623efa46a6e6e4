/**
 * e2e harness (e2e/linkContract.spec.ts): the peer link's contract (src/remote/link.contract.ts),
 * the same cases vitest runs against the fake link, against WebRtcLink — two real
 * RTCPeerConnections in this page, their signaling handed across directly (the signaling server
 * is not under test here; e2e/remote.spec.ts pairs through it).
 */
import type { Clock } from "../../src/core/clock.ts";
import type { SignalPayload } from "../../src/capture/phone/signalingProtocol.ts";
import { LINK_CONTRACT, type LinkPairUnderTest } from "../../src/remote/link.contract.ts";
import { WebRtcLink } from "../../src/remote/WebRtcLink.ts";

interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly ms: number;
}

const timeout = (ms: number, fn: () => void): (() => void) => {
  const id = setTimeout(fn, ms);
  return () => clearTimeout(id);
};
/** The page's clock (ControlPeer's request timeouts run on it). */
const clock: Clock = { now: () => performance.now(), timeout, runAt: (t, fn) => timeout(t - performance.now(), fn) };

function webRtcPair(): LinkPairUnderTest {
  const ends: { a?: WebRtcLink; b?: WebRtcLink } = {};
  // Signals cross on a task of their own, as they would through a server.
  const to = (target: "a" | "b") => (data: SignalPayload) => void setTimeout(() => void ends[target]?.onSignal(data));
  const a = new WebRtcLink(new RTCPeerConnection(), to("b"), () => undefined);
  const b = new WebRtcLink(new RTCPeerConnection(), to("a"), () => undefined);
  ends.a = a;
  ends.b = b;
  return {
    a,
    b,
    clock,
    connect: () => void a.offer(),
    wait: (ms) => new Promise((r) => setTimeout(r, ms)),
    // No bye on the signaling path, no channel close first: the peer connection just goes.
    loseA: () => a.pc.close(),
    dispose: () => {
      a.close("done");
      b.close("done");
    },
  };
}

async function runAll(): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const c of LINK_CONTRACT) {
    const pair = webRtcPair();
    const t0 = performance.now();
    try {
      await c.run(pair);
      results.push({ name: c.name, ok: true, ms: performance.now() - t0 });
    } catch (e) {
      results.push({ name: c.name, ok: false, error: e instanceof Error ? e.message : String(e), ms: performance.now() - t0 });
    } finally {
      pair.dispose();
    }
    const li = document.createElement("li");
    const r = results[results.length - 1]!;
    li.textContent = `${r.ok ? "ok" : "FAILED"} · ${r.name}${r.error ? ` · ${r.error}` : ""}`;
    document.getElementById("results")!.append(li);
  }
  return results;
}

document.getElementById("status")!.textContent = "running";
void runAll().then((results) => {
  (window as unknown as { __linkContract: CaseResult[] }).__linkContract = results;
  document.getElementById("status")!.textContent = "done";
});
