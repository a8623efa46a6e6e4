import { useState } from "react";
import type { RobotProfile } from "../../state/index.ts";
import { useStudio } from "../StudioContext.tsx";
import { userUrdfFromFiles } from "./userUrdf.ts";
import { messageOf } from "../../core/messages.ts";

/** The 3D view's model for a profile: the built-in URDF, or the user's own with its meshes. */
export function UrdfPicker({ profile }: { profile: RobotProfile }) {
  const { rig } = useStudio();
  const [error, setError] = useState<string | undefined>();
  const pick = async (list: FileList | null) => {
    if (!list || list.length === 0) return;
    try {
      const urdf = await userUrdfFromFiles([...list]);
      setError(undefined);
      await rig.getState().setProfileUrdf(profile.id, urdf);
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <div className="row small" data-testid="urdf-picker">
      <span className="muted">3D model of {profile.name}:</span>
      <span data-testid="urdf-source">
        {profile.urdf ? `your URDF (${profile.urdf.main}, ${profile.urdf.files.length} files)` : "built-in"}
      </span>
      <label className="button">
        Load a URDF folder…{" "}
        <input
          type="file"
          aria-label="URDF folder"
          // A folder with the .urdf and its meshes (STL/DAE/OBJ); joints named like the arm's
          // (shoulder_pan … gripper) follow the robot.
          {...{ webkitdirectory: "" }}
          multiple
          onChange={(e) => void pick(e.target.files)}
        />
      </label>
      <label className="button">
        …or files{" "}
        <input
          type="file"
          aria-label="URDF files"
          multiple
          accept=".urdf,.stl,.dae,.obj,.png,.jpg"
          onChange={(e) => void pick(e.target.files)}
        />
      </label>
      {profile.urdf && (
        <button type="button" onClick={() => void rig.getState().setProfileUrdf(profile.id, undefined)}>
          Use the built-in model
        </button>
      )}
      {error && <span className="bad">{error}</span>}
    </div>
  );
}
