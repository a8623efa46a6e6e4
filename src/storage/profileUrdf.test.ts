import { describe, expect, it } from "vitest";
import { validateProfile } from "./profileRecord.ts";

const base = {
  id: "p1",
  name: "arm",
  arm: "so101_follower",
  bodyNormMode: "degrees",
  simulated: false,
  createdAt: 1,
  updatedAt: 2,
  schemaVersion: 1,
};

describe("a profile's own URDF", () => {
  it("is kept with its files", () => {
    const urdf = {
      main: "robot.urdf",
      files: [
        { path: "robot.urdf", data: new ArrayBuffer(3) },
        { path: "meshes/a.stl", data: new ArrayBuffer(5) },
      ],
    };
    const r = validateProfile({ ...base, urdf });
    expect("error" in r).toBe(false);
    if (!("error" in r))
      expect(r.urdf?.files.map((f) => [f.path, f.data.byteLength])).toEqual([
        ["robot.urdf", 3],
        ["meshes/a.stl", 5],
      ]);
  });
  it("is optional: older records without it stay valid", () => {
    const r = validateProfile(base);
    expect("error" in r).toBe(false);
    if (!("error" in r)) expect(r.urdf).toBeUndefined();
  });
  it("is refused, naming the field, when its main file is not among the files or data is not bytes", () => {
    const missing = validateProfile({ ...base, urdf: { main: "x.urdf", files: [{ path: "y.urdf", data: new ArrayBuffer(1) }] } });
    expect(missing).toEqual({ error: expect.stringContaining("urdf.main") });
    const notBytes = validateProfile({ ...base, urdf: { main: "y.urdf", files: [{ path: "y.urdf", data: "text" }] } });
    expect(notBytes).toEqual({ error: expect.stringContaining("urdf.files[0].data") });
  });
});
