/**
 * The peer link's contract: what the sessions (RemoteStation, RemoteOperator, ControlPeer) rely on,
 * checked against every implementation of `ListenableLink` with the same cases —
 * `FakeLink` in vitest (link.contract.test.ts, on a ManualClock) and `WebRtcLink` in Chromium
 * (e2e/harness/link-contract.html, run by e2e/linkContract.spec.ts, two real RTCPeerConnections).
 *
 * No test framework here (it runs in a browser page too): each case throws on a broken promise.
 * Time passes only through the pair's `wait` (the fake's manual clock, or real time).
 */
import type { Clock } from "../core/clock.ts";
import { type ChannelName, decodeAction, encode, MAX_BYTES } from "../protocol/remoteWire.ts";
import { ControlPeer } from "./ControlPeer.ts";
import { LINK_MAX_MESSAGE, type LinkHandlers, type ListenableLink } from "./link.ts";

/** A connected pair of link ends under test, made fresh for every case. */
export interface LinkPairUnderTest {
  readonly a: ListenableLink;
  readonly b: ListenableLink;
  /** The clock the sessions would run on (the fake's manual clock, or the page's). */
  readonly clock: Clock;
  /** Starts the connection once both ends listen (the fake opens; WebRTC negotiates). */
  connect(): void;
  /** Lets `ms` of time pass (and the I/O due in it). */
  wait(ms: number): Promise<void>;
  /** End `a` vanishes without a goodbye (a crashed tab, a dead network). */
  loseA(): void;
  /** Releases whatever is left (called after every case). */
  dispose(): void;
}

export interface ContractCase {
  readonly name: string;
  run(pair: LinkPairUnderTest): Promise<void>;
}

class Recorder implements LinkHandlers {
  opened = 0;
  readonly closes: string[] = [];
  readonly got: Record<ChannelName, string[]> = { action: [], state: [], control: [] };
  open(): void {
    this.opened++;
  }
  message(channel: ChannelName, data: unknown): void {
    this.got[channel].push(typeof data === "string" ? data : `<${typeof data}>`);
  }
  close(reason: string): void {
    this.closes.push(reason);
  }
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

async function until(pair: LinkPairUnderTest, done: () => boolean, limitMs: number): Promise<boolean> {
  for (let waited = 0; !done() && waited < limitMs; waited += 10) await pair.wait(10);
  return done();
}

async function opened(pair: LinkPairUnderTest): Promise<{ ra: Recorder; rb: Recorder }> {
  const ra = new Recorder();
  const rb = new Recorder();
  pair.a.listen(ra);
  pair.b.listen(rb);
  pair.connect();
  check(await until(pair, () => ra.opened > 0 && rb.opened > 0, 15_000), "both ends report open");
  return { ra, rb };
}

/**
 * An open pair whose b side is a session that judges what arrives with `admit` (ControlPeer's
 * checks); a's recorder, and the violations b's session reported.
 */
async function judgedBy(
  pair: LinkPairUnderTest,
  admit: (peer: ControlPeer, channel: ChannelName, data: unknown) => void,
): Promise<{ ra: Recorder; violations: string[] }> {
  const ra = new Recorder();
  const violations: string[] = [];
  const peer = new ControlPeer(pair.b, pair.clock, {
    request: () => Promise.resolve(undefined),
    event: () => undefined,
    violation: (reason) => violations.push(reason),
  });
  pair.a.listen(ra);
  pair.b.listen({ open: () => undefined, close: () => undefined, message: (ch, data) => admit(peer, ch, data) });
  pair.connect();
  check(await until(pair, () => ra.opened > 0, 15_000), "open");
  return { ra, violations };
}

const seqOf = (text: string): number => (JSON.parse(text) as { seq: number }).seq;

export const LINK_CONTRACT: readonly ContractCase[] = [
  {
    name: "both ends report open exactly once",
    async run(pair) {
      const { ra, rb } = await opened(pair);
      await pair.wait(50);
      check(ra.opened === 1 && rb.opened === 1, `open reported ${ra.opened} and ${rb.opened} times`);
    },
  },
  {
    name: "control is reliable and in order, both ways",
    async run(pair) {
      const { ra, rb } = await opened(pair);
      const n = 200;
      for (let i = 0; i < n; i++) {
        check(pair.a.send("control", JSON.stringify({ i })), "control send from a");
        check(pair.b.send("control", JSON.stringify({ i })), "control send from b");
      }
      check(await until(pair, () => ra.got.control.length >= n && rb.got.control.length >= n, 10_000), "every control message arrives");
      for (const r of [ra, rb]) {
        const order = r.got.control.map((t) => (JSON.parse(t) as { i: number }).i);
        check(
          order.length === n && order.every((v, i) => v === i),
          `control arrived in order, once each (${order.slice(0, 8).join(",")}…)`,
        );
      }
    },
  },
  {
    name: "action and state never queue or repeat: each message at most once, and the freshest sent arrives",
    async run(pair) {
      const { ra, rb } = await opened(pair);
      const sent = { action: new Set<number>(), state: new Set<number>() };
      // A burst far beyond what a link buffers: a send may be refused (false), never queued behind older ones.
      for (let seq = 0; seq < 2000; seq++) {
        const body = encode({ t: seq, seq, goal: { shoulder_pan: seq }, obs_seq: -1 } as never);
        if (pair.a.send("action", body)) sent.action.add(seq);
        if (pair.b.send("state", body)) sent.state.add(seq);
      }
      await pair.wait(200);
      // After a pause the link takes a message again: the freshest one is what the receiver ends on.
      const last = 5000;
      const lastBody = encode({ t: last, seq: last, goal: {}, obs_seq: -1 } as never);
      check(pair.a.send("action", lastBody) && pair.b.send("state", lastBody), "a send after a pause is taken");
      sent.action.add(last);
      sent.state.add(last);
      check(
        await until(pair, () => rb.got.action.some((t) => seqOf(t) === last) && ra.got.state.some((t) => seqOf(t) === last), 5000),
        "the freshest message arrives",
      );
      for (const [channel, r] of [
        ["action", rb],
        ["state", ra],
      ] as const) {
        const seqs = r.got[channel].map(seqOf);
        check(new Set(seqs).size === seqs.length, `${channel}: no message delivered twice`);
        check(
          seqs.every((s) => sent[channel].has(s)),
          `${channel}: only messages whose send returned true are delivered`,
        );
        check(Math.max(...seqs) === last, `${channel}: a receiver keeping the newest seq ends on the freshest`);
      }
    },
  },
  {
    name: "a message larger than the link carries is refused by send (false), never thrown, and the link stays up",
    async run(pair) {
      const { rb } = await opened(pair);
      const huge = "x".repeat(LINK_MAX_MESSAGE + 1);
      for (const channel of ["action", "state", "control"] as const)
        check(!pair.a.send(channel, huge), `${channel}: oversized send refused`);
      check(pair.a.send("control", "after"), "the link still sends");
      check(await until(pair, () => rb.got.control.includes("after"), 5000), "the next message arrives");
      check(rb.closes.length === 0, "nothing closed");
      check(!rb.got.control.some((t) => t.length > LINK_MAX_MESSAGE), "the oversized message never arrived");
    },
  },
  {
    name: "an oversized action from a peer: the receiving session disconnects it with the reason",
    async run(pair) {
      const { ra, violations } = await judgedBy(
        pair,
        (peer, ch, data) => void (ch === "action" && peer.admit("action", data, decodeAction)),
      );
      check(pair.a.send("action", "x".repeat(MAX_BYTES.action + 1)), "the bad message is sent (the link does not judge content)");
      check(await until(pair, () => ra.closes.length > 0, 10_000), "the offending peer sees its link close");
      check(violations.length === 1 && violations[0]!.includes("oversized"), `one violation, oversized (${violations.join("; ")})`);
      const bye = ra.got.control.find((t) => t.includes('"bye"'));
      check(bye?.includes("oversized") === true, `the offending peer is told why (bye: ${bye ?? "none"}; close: ${ra.closes[0]})`);
      check(!pair.a.send("control", "late"), "the closed link sends nothing");
    },
  },
  {
    name: "malformed control text: the receiving session disconnects the peer with the reason",
    async run(pair) {
      const { ra, violations } = await judgedBy(pair, (peer, ch, data) => void (ch === "control" && peer.onControl(data)));
      check(pair.a.send("control", "{not json"), "sent");
      check(await until(pair, () => ra.closes.length > 0, 10_000), "the offending peer sees its link close");
      check(violations.length === 1 && violations[0]!.includes("malformed"), `one violation, malformed (${violations.join("; ")})`);
      check(
        ra.got.control.some((t) => t.includes('"bye"') && t.includes("malformed")),
        "the offending peer is told why",
      );
    },
  },
  {
    name: "close: the peer is told once with a reason, this end is not, and nothing passes afterwards",
    async run(pair) {
      const { ra, rb } = await opened(pair);
      pair.a.close("the test ended it");
      check(!pair.a.send("control", "after close"), "a closed end sends nothing");
      check(await until(pair, () => rb.closes.length > 0, 10_000), "the peer reports the close");
      await pair.wait(100);
      check(rb.closes.length === 1 && rb.closes[0]!.length > 0, `reported once with a reason (${rb.closes.join(" | ")})`);
      check(ra.closes.length === 0, "the closing end's own handler is not called");
      check(!pair.b.send("control", "to a closed peer"), "the peer's end sends nothing once closed");
      check(!rb.got.control.includes("after close"), "nothing sent after close arrives");
      pair.a.close("twice");
      await pair.wait(50);
      check(rb.closes.length === 1, "a second close changes nothing");
    },
  },
  {
    name: "lost: a peer that vanishes without a goodbye is reported as closed",
    async run(pair) {
      const { rb } = await opened(pair);
      pair.loseA();
      check(await until(pair, () => rb.closes.length > 0, 20_000), "the surviving end reports the loss");
      check(rb.closes.length === 1 && rb.closes[0]!.length > 0, `reported once with a reason (${rb.closes.join(" | ")})`);
      check(!pair.b.send("action", "{}"), "and sends nothing after");
    },
  },
];
