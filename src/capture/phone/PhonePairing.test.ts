import { describe, expect, it } from "vitest";
import { isCancelled } from "../../core/lifecycle.ts";
import { PhonePairing } from "./PhonePairing.ts";
import { FakeLink } from "./testing/FakeLink.ts";

const turn = () => new Promise<void>((r) => setImmediate(r));

function setup() {
  const links: FakeLink[] = [];
  const pairing = new PhonePairing(() => {
    const l = new FakeLink();
    links.push(l);
    return l;
  });
  return { links, pairing };
}

describe("PhonePairing", () => {
  it("shows the pairing at once, then hands the live link over and is idle again (the link stays open)", async () => {
    const { links, pairing } = setup();
    const started = pairing.start("wrist");
    expect(pairing.getState()).toMatchObject({ phase: "pairing", key: "wrist" });
    expect(links[0]?.opens).toBe(1);
    links[0]!.waiting();
    expect(pairing.getState().link?.pairing?.link).toContain("#code=c");
    links[0]!.live();
    const paired = await started;
    expect(paired.camera.label).toBe("Pixel");
    expect(paired.link).toBe(links[0]);
    expect(pairing.getState().phase).toBe("idle");
    expect(links[0]!.closes).toBe(0);
    // A later start pairs another phone and leaves the first link alone.
    pairing.start("top").catch(() => undefined);
    expect(links).toHaveLength(2);
    expect(links[0]!.closes).toBe(0);
  });

  it("a second start while pairing joins the first: one link, one pairing", async () => {
    const { links, pairing } = setup();
    const a = pairing.start("wrist");
    const b = pairing.start("wrist");
    expect(b).toBe(a);
    expect(links).toHaveLength(1);
    links[0]!.live();
    await Promise.all([a, b]);
  });

  it("re-renders and other subscribers do not close the link: only cancel does, and the start is cancelled", async () => {
    const { links, pairing } = setup();
    const started = pairing.start("wrist");
    const unsubscribe = pairing.subscribe(() => undefined);
    unsubscribe(); // a view going away
    links[0]!.waiting();
    await turn();
    expect(links[0]!.closes).toBe(0);
    expect(pairing.getState().link?.status).toBe("waiting");
    pairing.cancel();
    expect(links[0]!.closes).toBe(1);
    expect(pairing.getState().phase).toBe("idle");
    await expect(started).rejects.toSatisfy(isCancelled);
  });

  it("a failed link stays shown until cancel or a new start; a new start closes it and opens a new one", async () => {
    const { links, pairing } = setup();
    const started = pairing.start("wrist");
    links[0]!.fail();
    await expect(started).rejects.toThrow(/signaling server/);
    expect(pairing.getState().phase).toBe("failed");
    expect(pairing.getState().link?.error?.message).toMatch(/signaling server/);
    const again = pairing.start("wrist");
    expect(links).toHaveLength(2);
    expect(pairing.getState().phase).toBe("pairing");
    pairing.cancel();
    expect(links[1]!.closes).toBe(1);
    await expect(again).rejects.toSatisfy(isCancelled);
  });

  it("a phone going live after cancel is not handed over", async () => {
    const { links, pairing } = setup();
    const started = pairing.start("wrist");
    pairing.cancel();
    links[0]!.live(); // too late: the camera promise was already rejected by close
    await expect(started).rejects.toSatisfy(isCancelled);
    expect(pairing.getState().phase).toBe("idle");
  });
});
