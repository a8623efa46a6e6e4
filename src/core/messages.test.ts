import { describe, expect, it } from "vitest";
import { clip, echo, firstLines, messageOf } from "./messages.ts";

describe("messages", () => {
  it("clip keeps short text and cuts long text, saying how much was cut", () => {
    expect(clip("shoulder_pan")).toBe("shoulder_pan");
    const long = "x".repeat(20_000_000);
    const cut = clip(long, 10);
    expect(cut).toBe(`${"x".repeat(10)}… (19999990 more characters)`);
  });

  it("echo encodes values as JSON, a huge string cut before it is encoded", () => {
    expect(echo(1.5)).toBe("1.5");
    expect(echo("abc")).toBe('"abc"');
    expect(echo(undefined)).toBe("undefined");
    expect(echo("y".repeat(20_000_000)).length).toBeLessThan(100);
    expect(echo({ a: "z".repeat(1000) }).length).toBeLessThan(120);
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    expect(echo(cyclic)).toBe("[object Object]");
  });

  it("firstLines lists at most max lines, then how many more", () => {
    expect(firstLines(["a", "b"], 2)).toEqual(["a", "b"]);
    expect(firstLines(["a", "b", "c", "d"], 2)).toEqual(["a", "b", "…and 2 more problems like these."]);
    expect(messageOf(new Error("boom"))).toBe("boom");
  });
});
