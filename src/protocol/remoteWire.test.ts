import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scaled } from "./testing/fuzzScale.ts";
import {
  type ActionMessage,
  decodeAction,
  decodeControl,
  decodeState,
  encode,
  fromJointMap,
  InboundRates,
  MAX_BYTES,
  TAKE_LIMITS,
  takeEvent,
  type StateMessage,
  toJointMap,
} from "./remoteWire.ts";

const NAMES = ["shoulder_pan", "shoulder_lift", "elbow_flex", "wrist_flex", "wrist_roll", "gripper"];

describe("remote wire format", () => {
  it("round-trips an action shaped like PR #3962's", () => {
    const a: ActionMessage = { t: 1234.5, seq: 7, goal: toJointMap(NAMES, [1, 2, 3, 4, 5, 60]), obs_seq: 3 };
    const text = encode(a);
    expect(JSON.parse(text)).toEqual({
      t: 1234.5,
      seq: 7,
      goal: {
        "shoulder_pan.pos": 1,
        "shoulder_lift.pos": 2,
        "elbow_flex.pos": 3,
        "wrist_flex.pos": 4,
        "wrist_roll.pos": 5,
        "gripper.pos": 60,
      },
      obs_seq: 3,
    });
    const d = decodeAction(text);
    expect(d).toEqual({ ok: true, value: a });
    expect(fromJointMap(NAMES, a.goal)).toEqual([1, 2, 3, 4, 5, 60]);
  });

  it("leaves NaN joints out and reads a missing joint back as NaN (the station holds it)", () => {
    const goal = toJointMap(NAMES, [1, NaN, 3, 4, 5, 6]);
    expect(Object.keys(goal)).not.toContain("shoulder_lift.pos");
    expect(fromJointMap(NAMES, goal)[1]).toBeNaN();
  });

  it("round-trips a state message and control messages", () => {
    const s: StateMessage = {
      t: 1,
      seq: 2,
      joints: toJointMap(NAMES, [0, 0, 0, 0, 0, 10]),
      applied_seq: 5,
      applied_t: 0.5,
      command: toJointMap(NAMES, [1, 1, 1, 1, 1, 11]),
      loop: "tracking",
      hold: false,
    };
    expect(decodeState(encode(s))).toEqual({ ok: true, value: s });
    expect(decodeControl(encode({ id: 1, method: "record.key", params: { key: "next" } }))).toEqual({
      ok: true,
      value: { kind: "request", msg: { id: 1, method: "record.key", params: { key: "next" } } },
    });
    expect(decodeControl(encode({ id: 1, ok: false, error: "no" }))).toEqual({
      ok: true,
      value: { kind: "response", msg: { id: 1, ok: false, error: "no" } },
    });
    const take = { event: "take", params: { phase: "recording", episode: 2, elapsedMs: 300, message: "Recording", qa: [] } } as const;
    expect(decodeControl(encode(take))).toEqual({ ok: true, value: { kind: "event", msg: take } });
  });

  it("clips a take's long QA findings to the wire limits, so the operator gets them instead of a disconnect", () => {
    // A QA message says what happened and what to do: ~400 characters for an encoder that fell behind.
    const long = `Camera "front": the encoder fell behind ${"and repeated rows ".repeat(25)}.`;
    const take = { phase: "review", episode: 1, elapsedMs: 0, message: "last take: kept", qa: [long, "short"] };
    const sent = decodeControl(encode(takeEvent(take)));
    expect(sent.ok).toBe(true);
    const got = sent.ok && sent.value.kind === "event" && sent.value.msg.event === "take" ? sent.value.msg.params : undefined;
    expect(got?.qa[0]).toBe(long.length <= TAKE_LIMITS.qaChars ? long : `${long.slice(0, TAKE_LIMITS.qaChars - 1)}…`);
    expect(got?.qa[1]).toBe("short");
    // Too many findings: the last slot says how many more.
    const many = takeEvent({ ...take, qa: Array.from({ length: 40 }, (_, i) => `finding ${i}`) });
    const qa = many.event === "take" ? many.params.qa : [];
    expect(qa).toHaveLength(TAKE_LIMITS.qaItems);
    expect(qa[TAKE_LIMITS.qaItems - 1]).toBe(`…and ${40 - TAKE_LIMITS.qaItems + 1} more QA findings`);
    expect(decodeControl(encode(many)).ok).toBe(true);
    // A peer that sends beyond the limits unclipped is still refused.
    expect(decodeControl(encode({ event: "take", params: { ...take, qa: ["x".repeat(TAKE_LIMITS.qaChars + 1)] } })).ok).toBe(false);
  });

  it("refuses oversized, non-JSON and ill-typed messages with a reason", () => {
    expect(decodeAction("x".repeat(MAX_BYTES.action + 1))).toMatchObject({ ok: false, violation: "oversized" });
    expect(decodeAction("{")).toMatchObject({ ok: false, violation: "malformed" });
    expect(decodeAction(new ArrayBuffer(4))).toMatchObject({ ok: false, violation: "malformed" });
    expect(decodeAction(encode({ t: 1, seq: -2, goal: {}, obs_seq: 0 }))).toMatchObject({ ok: false });
    expect(decodeAction('{"t":1,"seq":1,"goal":{"a.pos":"1"},"obs_seq":0}')).toMatchObject({ ok: false });
    expect(decodeAction('{"t":1,"seq":1,"goal":{"__proto__.pos":1},"obs_seq":0}')).toMatchObject({ ok: false });
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`j${i}.pos`, 0]));
    expect(decodeAction(encode({ t: 1, seq: 1, goal: many, obs_seq: 0 }))).toMatchObject({ ok: false, violation: "malformed" });
    expect(decodeControl('{"id":1,"method":"format.disk"}')).toMatchObject({ ok: false, violation: "malformed" });
    expect(decodeControl('{"id":1,"method":"record.key","params":{"key":"delete"}}')).toMatchObject({ ok: false });
  });

  it("never throws on arbitrary input, and what it accepts is well-formed (fuzz)", () => {
    const jsonish = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({ t: fc.anything(), seq: fc.anything(), goal: fc.anything(), obs_seq: fc.anything() }).map((v) => JSON.stringify(v)),
      fc
        .record({ id: fc.anything(), method: fc.constantFrom("ping", "estop", "record.key", "x"), params: fc.anything() })
        .map((v) => JSON.stringify(v)),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        for (const decode of [decodeAction, decodeState, decodeControl]) {
          const d = decode(text);
          if (d.ok) expect(typeof d.value).toBe("object");
          else expect(["oversized", "malformed"]).toContain(d.violation);
        }
        const a = decodeAction(text);
        if (a.ok) {
          expect(Number.isInteger(a.value.seq) && a.value.seq >= 0).toBe(true);
          for (const v of Object.values(a.value.goal)) expect(Number.isFinite(v)).toBe(true);
        }
      }),
      { numRuns: scaled(200_000) },
    );
  });

  it("refuses a flood past the burst and admits again at the sustained rate", () => {
    const rates = new InboundRates();
    let admitted = 0;
    for (let i = 0; i < 10_000; i++) if (rates.admit("control", 0)) admitted++;
    expect(admitted).toBe(500);
    expect(rates.admit("control", 10)).toBe(true); // 10 ms at 100/s refills one token
    expect(rates.admit("control", 10)).toBe(false);
    expect(rates.admit("action", 0)).toBe(true); // channels are counted apart
  });
});
