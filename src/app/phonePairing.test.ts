import { describe, expect, it } from "vitest";
import { PhonePairing } from "../capture/phone/PhonePairing.ts";
import { FakeLink } from "../capture/phone/testing/FakeLink.ts";
import { fakeTrack, setup } from "../state/testing/cameraFakes.ts";

/** The camera store with the real pairing engine (app/cameras.ts builds it) over fake links. */
function withPairing() {
  const links: FakeLink[] = [];
  const pairing = new PhonePairing(() => {
    const link = new FakeLink();
    link.track = fakeTrack();
    links.push(link);
    return link;
  });
  return { ...setup(pairing), links };
}

describe("phone cameras in the camera store", () => {
  it("pairs a phone from the store, not from a view: one camera, live, its link closed only when the camera is removed", async () => {
    const t = withPairing();
    const first = t.cameras.getState().pairPhone("wrist");
    const second = t.cameras.getState().pairPhone("wrist"); // a double click
    expect(t.cameras.getState().phone).toMatchObject({ phase: "pairing", key: "wrist" });
    expect(t.links).toHaveLength(1);
    t.links[0]!.waiting();
    expect(t.cameras.getState().phone.link?.status).toBe("waiting");
    t.links[0]!.live();
    await Promise.all([first, second]);
    expect(t.cameras.getState().cameras.map((c) => [c.key, c.source, c.label, c.width, c.status])).toEqual([
      ["wrist", "phone", "Pixel", 640, "live"],
    ]);
    expect(t.cameras.getState().phone.phase).toBe("idle");
    expect(t.cameras.getState().track("wrist")).toBe(t.links[0]!.track);
    expect(t.links[0]!.closes).toBe(0);
    await t.cameras.getState().remove("wrist");
    expect(t.links[0]!.closes).toBe(1);
  });

  it("a cancelled phone pairing adds nothing and shows no error; a taken name is refused before any link opens", async () => {
    const t = withPairing();
    const pairing = t.cameras.getState().pairPhone("wrist");
    t.cameras.getState().cancelPhone();
    await pairing;
    expect(t.links[0]!.closes).toBe(1);
    expect(t.cameras.getState().cameras).toEqual([]);
    expect(t.cameras.getState().error).toBeUndefined();
    await t.cameras.getState().addSimulated({ key: "front" });
    await t.cameras.getState().pairPhone("front");
    expect(t.links).toHaveLength(1);
    expect(t.cameras.getState().error).toMatch(/already a camera named "front"/);
  });
});
