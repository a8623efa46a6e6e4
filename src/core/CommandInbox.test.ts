import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CommandInbox, type InboxCommand } from "./CommandInbox.ts";

const cmd = (seq: number, joints = [seq, seq + 0.5]): InboxCommand => ({
  seq,
  sentAtEpochMs: 1000 + seq,
  arrivedAtEpochMs: 1005 + seq,
  joints,
});

function drained(inbox: CommandInbox, joints = 2): InboxCommand[] {
  const got: InboxCommand[] = [];
  inbox.drain(joints, (c) => got.push(c));
  return got;
}

describe("CommandInbox", () => {
  it("hands the reader every command written since its last drain, oldest first, with their times", () => {
    const buffer = new ArrayBuffer(CommandInbox.bytes);
    const page = new CommandInbox(buffer);
    const loop = new CommandInbox(buffer);
    expect(drained(loop)).toEqual([]);
    page.write(cmd(1));
    page.write(cmd(2));
    expect(drained(loop)).toEqual([cmd(1), cmd(2)]);
    expect(drained(loop)).toEqual([]); // read once
    page.write(cmd(3, [7, 8, 9]));
    expect(drained(loop, 3)).toEqual([cmd(3, [7, 8, 9])]);
    expect(loop.overwritten).toBe(0);
  });

  it("a reader opened later starts at the newest: what was sent before is not replayed", () => {
    const buffer = new ArrayBuffer(CommandInbox.bytes);
    const page = new CommandInbox(buffer);
    page.write(cmd(1));
    const loop = new CommandInbox(buffer);
    expect(drained(loop)).toEqual([]);
    page.write(cmd(2));
    expect(drained(loop).map((c) => c.seq)).toEqual([2]);
  });

  it("a flood between two reads: the overwritten commands are counted, never made up; the rest arrive in order", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 12 }), (bursts) => {
        const buffer = new ArrayBuffer(CommandInbox.bytes);
        const page = new CommandInbox(buffer);
        const loop = new CommandInbox(buffer);
        let seq = 0;
        const seen: number[] = [];
        for (const n of bursts) {
          for (let i = 0; i < n; i++) page.write(cmd(++seq));
          for (const c of drained(loop)) {
            expect(c).toEqual(cmd(c.seq));
            seen.push(c.seq);
          }
        }
        // Strictly increasing, and every command is either seen or counted.
        expect(seen.every((s, i) => i === 0 || s > seen[i - 1]!)).toBe(true);
        expect(seen.length + loop.overwritten).toBe(seq);
        if (seq > 0) expect(seen[seen.length - 1]).toBe(seq); // the newest is never lost
      }),
    );
  });
});
