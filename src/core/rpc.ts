/**
 * The one typed RPC every worker uses (the bus worker, the recorder, the simulated camera):
 * Comlink over a Worker, a MessagePort or a worker's own scope. A method of the served object
 * becomes an async method of the remote; callbacks go as `proxy(fn)`, transferables as
 * `transfer(value, [...])`.
 *
 * Two additions to plain Comlink:
 * - errors keep their `name` and `code` across the boundary (a bus timeout stays a timeout);
 * - a remote whose worker died rejects every call with a message for the user, instead of
 *   leaving it pending forever.
 */
import * as Comlink from "comlink";

export type Remote<T> = Comlink.Remote<T>;
export type Endpoint = Comlink.Endpoint;
export const proxy = Comlink.proxy;
export const transfer = Comlink.transfer;

/** What crosses for an error: enough to rebuild one a caller can branch on. */
interface ErrorShape {
  readonly message: string;
  readonly name: string;
  readonly code?: unknown;
  readonly stack?: string | undefined;
}

let installed = false;

/** Errors cross with their name, message and code (Comlink alone keeps name and message). */
function installErrorHandler(): void {
  if (installed) return;
  installed = true;
  const original = Comlink.transferHandlers.get("throw")!;
  Comlink.transferHandlers.set("throw", {
    canHandle: original.canHandle,
    serialize(thrown: unknown) {
      const value = (thrown as { value: unknown }).value;
      if (value instanceof Error) {
        const shape: ErrorShape = {
          message: value.message,
          name: value.name,
          stack: value.stack,
          ...("code" in value ? { code: (value as { code: unknown }).code } : {}),
        };
        return [{ isError: true, value: shape }, []];
      }
      return [{ isError: false, value }, []];
    },
    deserialize(serialized: unknown): never {
      const s = serialized as { isError: boolean; value: unknown };
      if (s.isError) {
        const shape = s.value as ErrorShape;
        const e = new Error(shape.message);
        e.name = shape.name;
        if (shape.code !== undefined) (e as Error & { code?: unknown }).code = shape.code;
        throw e;
      }
      throw s.value;
    },
  } as Comlink.TransferHandler<unknown, unknown>);
}

/** Serves `api` on `endpoint` (a worker's scope by default). */
export function serve(api: object, endpoint: Endpoint = globalThis as unknown as Endpoint): void {
  installErrorHandler();
  Comlink.expose(api, endpoint);
}

/** Something that can fail as a whole: a Worker reports "error" when it dies. */
interface Mortal {
  addEventListener(type: "error", listener: (ev: Event) => void): void;
}

/**
 * The remote side of `endpoint`. If `mortal` (the Worker) dies, every call — pending or new —
 * rejects with `deathMessage`.
 */
export function connect<T>(
  endpoint: Endpoint,
  mortal?: Mortal,
  deathMessage = "A background worker of the studio stopped. Reload the page.",
): Remote<T> {
  installErrorHandler();
  const remote = Comlink.wrap<T>(endpoint);
  if (!mortal) return remote;
  let dead: Error | undefined;
  const pending = new Set<(e: Error) => void>();
  mortal.addEventListener("error", () => {
    dead = new Error(deathMessage);
    for (const reject of pending) reject(dead);
    pending.clear();
  });
  return new Proxy(remote as object, {
    get(target, prop, receiver) {
      if (prop === "then") return undefined; // the remote itself is not a promise
      const member = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop !== "string" || typeof member !== "function") return member;
      return (...args: unknown[]) => {
        if (dead) return Promise.reject(dead);
        return new Promise((resolve, reject) => {
          pending.add(reject);
          (member as (...a: unknown[]) => Promise<unknown>)(...args)
            .then(resolve, reject)
            .finally(() => pending.delete(reject));
        });
      };
    },
  }) as Remote<T>;
}
