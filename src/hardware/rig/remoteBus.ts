import { RemoteBusError } from "../errors.ts";
import type { MotorReading } from "../MotorBus.ts";
import type { RigApi, RigEvent } from "./types.ts";

/** A bus read through another host's rig (the page's bus from the worker, or the other way round). */
export interface RemoteReadBus {
  syncRead(register: string, ids: readonly number[]): Promise<MotorReading[]>;
  onLost(fn: () => void): () => void;
}

/**
 * The positions of a bus that runs elsewhere, for a loop that reads it as its leader: each read
 * is one call to that host; a lost bus is told by the rig's events.
 */
export function remoteReadBus(
  api: Pick<RigApi, "syncRead">,
  key: string,
  onEvent: (fn: (e: RigEvent) => void) => () => void,
): RemoteReadBus {
  return {
    async syncRead(register, ids) {
      const readings = await api.syncRead(key, register, ids);
      return readings.map((r): MotorReading => (r.ok ? r : { id: r.id, ok: false, error: new RemoteBusError(r.error) }));
    },
    onLost(fn) {
      return onEvent((e) => {
        if (e.kind === "lost" && e.key === key) fn();
      });
    },
  };
}
