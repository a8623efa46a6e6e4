// Writes public/urdf/<robot>.urdf from the kinematic chains in src/core.
// Usage: npm run urdf (npx tsx scripts/generate-urdf.ts). src/core/urdf.test.ts fails when the
// committed files differ from what this writes.
import { mkdirSync, writeFileSync } from "node:fs";
import { KINEMATIC_CHAINS } from "../src/core/kinematics.ts";
import type { ChainRobot } from "../src/core/kinematics.ts";
import { chainToUrdf } from "../src/core/urdf.ts";

const dir = new URL("../public/urdf/", import.meta.url);
mkdirSync(dir, { recursive: true });
for (const robot of Object.keys(KINEMATIC_CHAINS) as ChainRobot[]) {
  const file = new URL(`${robot}.urdf`, dir);
  writeFileSync(file, chainToUrdf(KINEMATIC_CHAINS[robot], robot));
  console.log(`wrote ${file.pathname}`);
}
