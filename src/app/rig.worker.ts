/// <reference lib="webworker" />
// The bus worker: hosts every bus that can run off the main thread, so servo I/O
// keeps its timing when the page is busy rendering.
import { serveRig } from "../hardware/index.ts";

const scope = self as unknown as DedicatedWorkerGlobalScope;
const serial = (scope.navigator as WorkerNavigator & { serial?: Serial }).serial;
serveRig(scope, serial ? () => serial.getPorts() : undefined);
