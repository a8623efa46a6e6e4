/// <reference lib="webworker" />
// The bus worker: hosts every bus that can run off the main thread and the control loop
// beside them, so servo I/O keeps its timing when the page is busy rendering.
import { TeleopService } from "../control/index.ts";
import { serveRig } from "../hardware/index.ts";

const scope = self as unknown as DedicatedWorkerGlobalScope;
const serial = (scope.navigator as WorkerNavigator & { serial?: Serial }).serial;
serveRig(scope, serial ? () => serial.getPorts() : undefined, (service, emit) => {
  const teleop = new TeleopService(
    (key) => service.busOf(key),
    (status) => emit({ kind: "extra", topic: "teleop", payload: status }),
  );
  return {
    startTeleop: (req: Parameters<TeleopService["startTeleop"]>[0]) => teleop.startTeleop(req),
    stopTeleop: () => teleop.stopTeleop(),
    estop: () => teleop.estop(),
    setSource: (source: "leader" | "manual") => teleop.setSource(source),
    setTargets: (values: number[]) => teleop.setTargets(values),
  };
});
