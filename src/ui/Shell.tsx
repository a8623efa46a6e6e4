import { RigScreen } from "./rig/RigScreen.tsx";
import { StatusStrip } from "./StatusStrip.tsx";

/** One left-hand navigation in the order of the work; screens arrive with their features. */
export function Shell() {
  return (
    <div className="shell">
      <nav className="nav" aria-label="Screens">
        <div className="brand">Robot Studio</div>
        <a className="active" href="#rig" aria-current="page">
          Rig
        </a>
      </nav>
      <main className="main">
        <RigScreen />
      </main>
      <StatusStrip />
    </div>
  );
}
