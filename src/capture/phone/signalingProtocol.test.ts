import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  codeFromHash,
  parseClientMessage,
  parseServerMessage,
  parseSignalPayload,
  phoneLink,
  signalingUrlFor,
} from "./signalingProtocol.ts";

const secret = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString("base64url"));

describe("signaling protocol", () => {
  it("puts the code in the link's fragment and reads it back", () => {
    fc.assert(
      fc.property(
        secret,
        fc.constantFrom("https://192.168.1.20:5443", "https://192.168.1.20:5443/", "http://localhost:4173"),
        (code, origin) => {
          const link = phoneLink(origin, code);
          const url = new URL(link);
          expect(url.pathname).toBe("/phone.html");
          expect(url.search).toBe(""); // never in the query: the fragment does not reach servers or logs
          expect(codeFromHash(url.hash)).toBe(code);
        },
      ),
    );
  });

  it("refuses malformed codes in the hash", () => {
    for (const hash of ["", "#", "#code=", "#code=has%20space", "#code=a/b", `#code=${"a".repeat(65)}`, "#other=abc"]) {
      expect(codeFromHash(hash), hash).toBeUndefined();
    }
  });

  it("derives the signaling URL from the page", () => {
    expect(signalingUrlFor("http://localhost:5173/?rig=none#x")).toBe("ws://localhost:5173/signal");
    expect(signalingUrlFor("https://192.168.1.20:5443/phone.html#code=abc")).toBe("wss://192.168.1.20:5443/signal");
  });

  it("parses client messages and refuses everything else", () => {
    expect(parseClientMessage('{"type":"create"}')).toEqual({ type: "create" });
    expect(parseClientMessage('{"type":"join","code":"abc_-1"}')).toEqual({ type: "join", code: "abc_-1" });
    expect(parseClientMessage('{"type":"signal","data":{"kind":"x"}}')).toEqual({ type: "signal", data: { kind: "x" } });
    for (const bad of [
      "",
      "null",
      "[]",
      '"create"',
      '{"type":"join"}',
      '{"type":"join","code":5}',
      '{"type":"resume","token":"a b"}',
      '{"type":"signal","data":[1]}',
      '{"type":"nope"}',
    ]) {
      expect(parseClientMessage(bad), bad).toBeUndefined();
    }
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        parseClientMessage(text);
        parseServerMessage(text);
      }),
    );
    fc.assert(fc.property(fc.jsonValue(), (v) => void parseSignalPayload(v)));
  });

  it("checks relayed payloads on arrival", () => {
    expect(parseSignalPayload({ kind: "offer", sdp: "v=0" })).toEqual({ kind: "offer", sdp: "v=0" });
    expect(parseSignalPayload({ kind: "candidate", candidate: "c", sdpMid: null, sdpMLineIndex: 0 })).toEqual({
      kind: "candidate",
      candidate: "c",
      sdpMid: null,
      sdpMLineIndex: 0,
    });
    expect(parseSignalPayload({ kind: "info", label: "Back", width: 640, height: null, frameRate: 30 })).toEqual({
      kind: "info",
      label: "Back",
      width: 640,
      height: null,
      frameRate: 30,
    });
    expect(parseSignalPayload({ kind: "info", label: "Back", width: "640", height: 480, frameRate: 30 })).toBeUndefined();
    expect(parseSignalPayload({ kind: "candidate", candidate: "c", sdpMid: 1, sdpMLineIndex: 0 })).toBeUndefined();
    expect(parseSignalPayload({ kind: "offer" })).toBeUndefined();
    expect(parseServerMessage('{"type":"signal","data":{"kind":"nope"}}')).toBeUndefined();
    expect(parseServerMessage('{"type":"error","reason":"code-refused","message":"m"}')).toEqual({
      type: "error",
      reason: "code-refused",
      message: "m",
    });
    expect(parseServerMessage('{"type":"error","reason":"made-up","message":"m"}')).toBeUndefined();
  });
});
