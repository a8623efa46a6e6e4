import { describe, expect, it } from "vitest";
import { matchCameras, matchProblem } from "./cameraIdentity.ts";

const dev = (deviceId: string, label: string) => ({ deviceId, groupId: "g", label });

describe("matchCameras", () => {
  it("matches by deviceId first", () => {
    const m = matchCameras([{ deviceId: "b", label: "Cam" }], [dev("a", "Cam"), dev("b", "Cam")]);
    expect(m).toEqual([{ status: "found", by: "deviceId", device: dev("b", "Cam") }]);
  });

  it("falls back to a unique label when the id changed", () => {
    const m = matchCameras([{ deviceId: "old", label: "C920" }], [dev("x", "Other"), dev("new", "C920")]);
    expect(m).toEqual([{ status: "found", by: "label", device: dev("new", "C920") }]);
    expect(matchProblem("front", { deviceId: "old", label: "C920" }, m[0]!)).toBeNull();
  });

  it("never swaps two cameras with the same label: ambiguous when ids are lost", () => {
    const wanted = [
      { deviceId: "old1", label: "USB Cam" },
      { deviceId: "old2", label: "USB Cam" },
    ];
    const m = matchCameras(wanted, [dev("n1", "USB Cam"), dev("n2", "USB Cam")]);
    expect(m.map((x) => x.status)).toEqual(["ambiguous", "ambiguous"]);
    expect(matchProblem("front", wanted[0]!, m[0]!)).toMatch(/cannot be told apart/);
  });

  it("one id kept, the twin's id lost: the kept one by id, the other by the only remaining label", () => {
    const wanted = [
      { deviceId: "id1", label: "USB Cam" },
      { deviceId: "gone", label: "USB Cam" },
    ];
    const m = matchCameras(wanted, [dev("id1", "USB Cam"), dev("id3", "USB Cam")]);
    expect(m).toEqual([
      { status: "found", by: "deviceId", device: dev("id1", "USB Cam") },
      { status: "found", by: "label", device: dev("id3", "USB Cam") },
    ]);
  });

  it("two wanted with the same label and one device left: ambiguous, not first-come", () => {
    const wanted = [
      { deviceId: "a", label: "Cam" },
      { deviceId: "b", label: "Cam" },
    ];
    const m = matchCameras(wanted, [dev("c", "Cam")]);
    expect(m.map((x) => x.status)).toEqual(["ambiguous", "ambiguous"]);
  });

  it("missing cameras and empty labels (no permission yet)", () => {
    const m = matchCameras(
      [
        { deviceId: "a", label: "" },
        { deviceId: "z", label: "Cam" },
      ],
      [dev("b", "")],
    );
    expect(m.map((x) => x.status)).toEqual(["missing", "missing"]);
    expect(matchProblem("wrist", { deviceId: "z", label: "Cam" }, m[1]!)).toMatch(/"wrist" \(Cam\) is not connected/);
  });
});
