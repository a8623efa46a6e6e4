import { describe, expect, it } from "vitest";
import { parseIceServers } from "./iceServers.ts";

describe("STUN/TURN settings", () => {
  it("reads STUN and TURN lines, skips blanks and comments", () => {
    expect(parseIceServers("# ours\nstun:stun.example.org:3478\n\nturn:turn.example.org:3478?transport=udp alice s3cret\n")).toEqual({
      servers: [
        { urls: "stun:stun.example.org:3478" },
        { urls: "turn:turn.example.org:3478?transport=udp", username: "alice", credential: "s3cret" },
      ],
      relayOnly: false,
      error: undefined,
    });
    expect(parseIceServers("")).toEqual({ servers: [], relayOnly: false, error: undefined });
  });

  it("says which line is wrong and why", () => {
    expect(parseIceServers("stun:a:1\nhttp://x").error).toMatch(/Line 2/);
    expect(parseIceServers("turn:a:3478").error).toMatch(/user name and a password/);
  });

  it("relay-only: everything through the TURN server, which it needs", () => {
    expect(parseIceServers("turn:127.0.0.1:3478 studio s3cret\nrelay-only")).toMatchObject({ relayOnly: true, error: undefined });
    expect(parseIceServers("stun:a:1\nrelay-only")).toMatchObject({
      relayOnly: false,
      servers: [],
      error: expect.stringMatching(/needs a TURN server/),
    });
  });
});
