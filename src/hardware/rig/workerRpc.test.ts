import { afterAll, describe, expect, it } from "vitest";
import { RigService, toErrorInfo } from "./RigService.ts";
import type { ErrorInfo, RigApi, RigEvent } from "./types.ts";
import { RigCallError, serveRig, type WorkerLike, type WorkerScopeLike, WorkerRigClient } from "./workerRpc.ts";

/**
 * The worker RPC against an in-process stand-in (a MessageChannel: port2 is the worker's
 * scope, port1 the Worker object), and the same calls against an inline RigService.
 * Both must behave alike: same values, same events, errors with the same code and message.
 */

const openPorts: MessagePort[] = [];
afterAll(() => {
  for (const p of openPorts) p.close();
});

interface Harness {
  readonly api: RigApi;
  readonly events: RigEvent[];
  /** Fire the Worker's "error" event (client side only). */
  readonly crash?: () => void;
  readonly post?: (message: unknown) => void;
  readonly replies?: unknown[];
}

function workerHarness(): Harness & { client: WorkerRigClient } {
  const { port1, port2 } = new MessageChannel();
  openPorts.push(port1, port2);
  const scope: WorkerScopeLike = {
    postMessage: (m) => port2.postMessage(m),
    addEventListener: (_type, listener) => {
      port2.addEventListener("message", listener);
      port2.start();
    },
  };
  serveRig(scope, undefined);
  const errorListeners: ((ev: Event) => void)[] = [];
  const replies: unknown[] = [];
  const worker: WorkerLike = {
    postMessage: (m) => port1.postMessage(m),
    addEventListener(type: "message" | "error", listener: (ev: MessageEvent) => void) {
      if (type === "error") {
        errorListeners.push(listener as (ev: Event) => void);
        return;
      }
      port1.addEventListener("message", listener);
      port1.start();
    },
    terminate: () => port1.close(),
  };
  port1.addEventListener("message", (ev) => replies.push(ev.data));
  const client = new WorkerRigClient(worker);
  const events: RigEvent[] = [];
  client.onEvent((e) => events.push(e));
  return {
    api: client,
    client,
    events,
    crash: () => {
      for (const l of errorListeners) l(new Event("error"));
    },
    post: (m) => port1.postMessage(m),
    replies,
  };
}

function inlineHarness(): Harness {
  const events: RigEvent[] = [];
  return { api: new RigService("main", (e) => events.push(e)), events };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => boolean | Promise<boolean>, timeoutMs = 2000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await pred())) {
    if (performance.now() > end) throw new Error("condition not reached in time");
    await sleep(2);
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: ErrorInfo; crossed: boolean };

/** A call's result, or its error as ErrorInfo (crossed: it arrived as a RigCallError). */
async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    if (e instanceof RigCallError) {
      expect(e.code).toBe(e.info.code);
      expect(e.message).toBe(e.info.message);
      expect(e.name).toBe(e.info.name);
      return { ok: false, error: e.info, crossed: true };
    }
    return { ok: false, error: toErrorInfo(e), crossed: false };
  }
}

const IDS = [1, 2, 3, 4, 5, 6];
const KEY = "follower";

/** The scenario, run against either host; returns what can be compared across hosts. */
async function scenario(h: Harness, host: "worker" | "main"): Promise<Record<string, unknown>> {
  const { api, events } = h;
  const out: Record<string, unknown> = {};

  const info = await api.connectSim(KEY, "so101_follower");
  expect(info.host).toBe(host);
  expect(info.simulated).toBe(true);
  expect(info.protocol).toBe("feetech");
  expect(info.baudRate).toBe(1_000_000);
  expect(info.registers.find((r) => r.name === "Present_Position")).toMatchObject({ address: 56, size: 2, access: "r" });
  out["info"] = { ...info, host: undefined };

  const scan = await api.scan(KEY, [1_000_000]);
  expect(scan.motors.map((m) => m.id)).toEqual(IDS);
  expect(scan.motors.every((m) => m.modelName === "sts3215" && m.modelNumber === 777)).toBe(true);
  out["scan"] = scan;

  expect(await api.read(KEY, 1, "Model_Number")).toBe(777);

  const start = await api.read(KEY, 1, "Present_Position");
  await api.write(KEY, 1, "Torque_Enable", 1);
  await api.write(KEY, 1, "Goal_Position", start + 100);
  expect(await api.read(KEY, 1, "Goal_Position")).toBe(start + 100);
  await until(async () => {
    const r = await api.syncRead(KEY, "Present_Position", [1]);
    return r[0]?.ok === true && r[0].value === start + 100;
  });
  const positions = await api.syncRead(KEY, "Present_Position", IDS);
  expect(positions.map((r) => r.id)).toEqual(IDS);
  expect(positions.every((r) => r.ok)).toBe(true);
  expect(positions[0]).toMatchObject({ ok: true, value: start + 100, conditions: [] });
  out["positions"] = positions;

  const telemetry = await api.telemetry(KEY, IDS);
  expect(telemetry).toHaveLength(6);
  for (const t of telemetry) {
    expect(t.ok).toBe(true);
    if (!t.ok) continue;
    expect(t.voltageV).toBe(7.4);
    expect(typeof t.temperatureC).toBe("number");
    expect(t.temperatureC).toBe(26);
    expect(t.loadUnit).toBe("%");
  }
  expect(telemetry[0]).toMatchObject({ id: 1, torque: true, goal: start + 100, position: start + 100 });
  expect(telemetry[1]).toMatchObject({ id: 2, torque: false });
  out["telemetry"] = telemetry;

  const stats = await api.stats(KEY);
  expect(stats.transactions).toBeGreaterThan(5);
  expect(stats.timeouts).toBe(0);
  expect(stats.injectedCorrupt).toBe(0);
  expect(stats.injectedDropped).toBe(0);

  // Faults: an overload condition keeps the value; an instruction-error rejection refuses it.
  await api.simulate(KEY, { kind: "faults", faults: { servoError: { id: 2, bits: 0x20 } } });
  const withCondition = await api.syncRead(KEY, "Present_Position", [1, 2]);
  expect(withCondition[1]).toMatchObject({ id: 2, ok: true, conditions: ["overload"] });
  await api.simulate(KEY, { kind: "faults", faults: { servoError: { id: 2, bits: 0x40 } } });
  out["rejected"] = await outcome(api.read(KEY, 2, "Present_Position"));
  const syncRejected = await api.syncRead(KEY, "Present_Position", [1, 2]);
  expect(syncRejected[0]?.ok).toBe(true);
  expect(syncRejected[1]).toMatchObject({ id: 2, ok: false, error: { code: "servo_status" } });
  out["syncRejected"] = syncRejected[1];
  await api.simulate(KEY, { kind: "faults", faults: { servoError: { id: 2, bits: 0 }, corruptRate: 0, dropRate: 0 } });
  expect(await api.read(KEY, 2, "Model_Number")).toBe(777);
  out["noSuchSimMotor"] = await outcome(api.simulate(KEY, { kind: "faults", faults: { servoError: { id: 42, bits: 1 } } }));

  // Errors with their codes.
  out["missing"] = await outcome(api.read(KEY, 42, "Present_Position"));
  out["unknownRegister"] = await outcome(api.read(KEY, 1, "Nope"));
  out["unknownBus"] = await outcome(api.read("nobus", 1, "Present_Position"));
  out["outOfRange"] = await outcome(api.write(KEY, 1, "Goal_Position", 99_999));

  // Unplug: a "lost" event, and calls fail with device_lost; plug: "reconnected", reads work.
  const before = events.length;
  await api.simulate(KEY, { kind: "unplug" });
  await until(() => events.length > before);
  expect(events.slice(before)).toEqual([{ kind: "lost", key: KEY, message: expect.stringContaining("disconnected") as unknown }]);
  out["lostEvent"] = events[before];
  out["whileLost"] = await outcome(api.read(KEY, 1, "Present_Position"));
  await api.simulate(KEY, { kind: "plug" });
  await until(() => events.length > before + 1);
  expect(events[before + 1]).toEqual({ kind: "reconnected", key: KEY });
  expect(await api.read(KEY, 1, "Model_Number")).toBe(777);
  expect(await api.read(KEY, 1, "Present_Position")).toBe(start + 100);
  expect(events).toHaveLength(before + 2);

  await api.disconnect(KEY);
  out["afterDisconnect"] = await outcome(api.read(KEY, 1, "Present_Position"));
  return out;
}

function expectErrors(out: Record<string, unknown>, crossed: boolean): void {
  const err = (k: string) => {
    const o = out[k] as Outcome;
    expect(o.ok, k).toBe(false);
    if (o.ok) throw new Error(k);
    expect(o.crossed, k).toBe(crossed);
    return o.error;
  };
  expect(err("missing")).toMatchObject({ code: "timeout", name: "BusTimeoutError" });
  expect(err("missing").message).toMatch(/No reply from motor 42/);
  expect(err("unknownRegister")).toMatchObject({ code: "invalid", name: "RangeError" });
  expect(err("unknownRegister").message).toContain('"Nope"');
  expect(err("unknownBus")).toEqual({ code: "invalid", name: "RangeError", message: 'No bus "nobus" is connected.' });
  expect(err("outOfRange")).toMatchObject({ code: "invalid", name: "ValueRangeError" });
  expect(err("rejected")).toMatchObject({ code: "servo_status", name: "ServoStatusError" });
  expect(err("noSuchSimMotor")).toEqual({ code: "invalid", name: "RangeError", message: "No simulated motor with id 42." });
  expect(err("whileLost")).toMatchObject({ code: "device_lost", name: "DeviceLostError" });
  expect(err("afterDisconnect")).toMatchObject({ code: "invalid" });
}

describe("worker RPC vs inline RigService", () => {
  it("runs the same session with the same results, events and errors", async () => {
    const worker = workerHarness();
    const inline = inlineHarness();
    const viaWorker = await scenario(worker, "worker");
    const viaInline = await scenario(inline, "main");
    expectErrors(viaWorker, true);
    expectErrors(viaInline, false);
    // Same values and same error codes/messages on both sides of the boundary.
    const strip = (o: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(o).map(([k, v]) => [k, v && typeof v === "object" && "crossed" in v ? { ...v, crossed: undefined } : v]),
      );
    expect(strip(viaWorker)).toEqual(strip(viaInline));
  }, 10_000);

  it("answers an unknown method with an 'invalid' error", async () => {
    const h = workerHarness();
    h.post!({ call: 999, method: "selfDestruct", args: [] });
    await until(() => h.replies!.length > 0);
    expect(h.replies![0]).toEqual({
      call: 999,
      ok: false,
      error: { name: "TypeError", code: "invalid", message: "Unknown method selfDestruct" },
    });
  });

  it("connectSerial without Web Serial in the worker fails with 'invalid'", async () => {
    const h = workerHarness();
    const o = await outcome(h.client.connectSerial("x", { usbVendorId: 1, usbProductId: 2, protocol: "feetech", baudRate: 1_000_000 }));
    expect(o).toMatchObject({
      ok: false,
      crossed: true,
      error: { code: "invalid", message: "Web Serial is not available in this worker." },
    });
  });

  it("a crashed worker rejects pending and later calls", async () => {
    const h = workerHarness();
    const pending = h.client.read("nobus", 1, "ID");
    h.crash!();
    await expect(pending).rejects.toThrow(/stopped unexpectedly/);
    await expect(h.client.stats("nobus")).rejects.toThrow(/stopped unexpectedly/);
    h.client.terminate();
  });
});
