import { afterAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock.ts";
import { connect, proxy, serve, type Endpoint } from "../../core/rpc.ts";
import { createRigWorkerApi, type RigWorkerApi } from "./rigWorker.ts";
import { RigService, toErrorInfo } from "./RigService.ts";
import type { ErrorInfo, RigApi, RigEvent } from "./types.ts";

/**
 * The bus worker's rpc against an in-process stand-in (a MessageChannel: one port is the worker's
 * scope, the other the Worker), and the same calls against an inline RigService. Both must behave
 * alike: same values, same events, errors with the same name, code and message. Every bus runs on
 * a manual clock: calls are driven by advancing it, never by sleeping.
 */

const openPorts: MessagePort[] = [];
afterAll(() => {
  for (const p of openPorts) p.close();
});

interface Harness {
  readonly api: RigApi;
  readonly events: RigEvent[];
  readonly clock: ManualClock;
}

/** Runs `p` while the clock moves (bus replies are on the clock; messages cross between steps). */
async function run<T>(clock: ManualClock, p: Promise<T>): Promise<T> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await clock.until(() => settled, 2000, 0.5);
  return p;
}

function workerHarness(): Harness & { remote: RigWorkerApi; crash: () => void } {
  const clock = new ManualClock(0);
  const { port1, port2 } = new MessageChannel();
  openPorts.push(port1, port2);
  const { api } = createRigWorkerApi(undefined, (emit) => new RigService("worker", emit, clock));
  serve(api, port2 as unknown as Endpoint);
  const errorListeners: ((ev: Event) => void)[] = [];
  const mortal = { addEventListener: (_t: "error", l: (ev: Event) => void) => void errorListeners.push(l) };
  const remote = connect<RigWorkerApi>(port1 as unknown as Endpoint, mortal) as unknown as RigWorkerApi;
  const events: RigEvent[] = [];
  void Promise.resolve(remote.onRigEvent(proxy((e: RigEvent) => void events.push(e)))).catch(() => undefined);
  return { api: remote, remote, events, clock, crash: () => errorListeners.forEach((l) => l(new Event("error"))) };
}

function inlineHarness(): Harness {
  const clock = new ManualClock(0);
  const events: RigEvent[] = [];
  return { api: new RigService("main", (e) => events.push(e), clock), events, clock };
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: ErrorInfo };

async function outcome(clock: ManualClock, p: Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await run(clock, p) };
  } catch (e) {
    return { ok: false, error: toErrorInfo(e) };
  }
}

const IDS = [1, 2, 3, 4, 5, 6];
const KEY = "follower";

/** The scenario, run against either host; returns what can be compared across hosts. */
async function scenario(h: Harness, host: "worker" | "main"): Promise<Record<string, unknown>> {
  const { api, events, clock } = h;
  const c = <T>(p: Promise<T>) => run(clock, p);
  const out: Record<string, unknown> = {};

  const info = await c(api.connectSim(KEY, "so101_follower"));
  expect(info.host).toBe(host);
  expect(info.simulated).toBe(true);
  expect(info.protocol).toBe("feetech");
  expect(info.baudRate).toBe(1_000_000);
  expect(info.registers.find((r) => r.name === "Present_Position")).toMatchObject({ address: 56, size: 2, access: "r" });
  out["info"] = { ...info, host: undefined };

  const scan = await c(api.scan(KEY, [1_000_000]));
  expect(scan.motors.map((m) => m.id)).toEqual(IDS);
  expect(scan.motors.every((m) => m.modelName === "sts3215" && m.modelNumber === 777)).toBe(true);
  out["scan"] = scan;

  expect(await c(api.read(KEY, 1, "Model_Number"))).toBe(777);

  const start = await c(api.read(KEY, 1, "Present_Position"));
  await c(api.write(KEY, 1, "Torque_Enable", 1));
  await c(api.write(KEY, 1, "Goal_Position", start + 100));
  expect(await c(api.read(KEY, 1, "Goal_Position"))).toBe(start + 100);
  await clock.advance(1000); // a second of servo motion
  const positions = await c(api.syncRead(KEY, "Present_Position", IDS));
  expect(positions.map((r) => r.id)).toEqual(IDS);
  expect(positions.every((r) => r.ok)).toBe(true);
  expect(positions[0]).toMatchObject({ ok: true, value: start + 100, conditions: [] });
  out["positions"] = positions;

  const telemetry = await c(api.telemetry(KEY, IDS));
  expect(telemetry).toHaveLength(6);
  for (const t of telemetry) {
    expect(t.ok).toBe(true);
    if (!t.ok) continue;
    expect(t.voltageV).toBe(7.4);
    expect(t.temperatureC).toBe(26);
    expect(t.loadUnit).toBe("%");
  }
  expect(telemetry[0]).toMatchObject({ id: 1, torque: true, goal: start + 100, position: start + 100 });
  expect(telemetry[1]).toMatchObject({ id: 2, torque: false });
  out["telemetry"] = telemetry;

  const stats = await c(api.stats(KEY));
  expect(stats.transactions).toBeGreaterThan(5);
  expect(stats.timeouts).toBe(0);
  expect(stats.injectedCorrupt).toBe(0);
  expect(stats.injectedDropped).toBe(0);

  // Faults: an overload condition keeps the value; an instruction-error rejection refuses it.
  await c(api.simulate(KEY, { kind: "faults", faults: { servoError: { id: 2, bits: 0x20 } } }));
  const withCondition = await c(api.syncRead(KEY, "Present_Position", [1, 2]));
  expect(withCondition[1]).toMatchObject({ id: 2, ok: true, conditions: ["overload"] });
  await c(api.simulate(KEY, { kind: "faults", faults: { servoError: { id: 2, bits: 0x40 } } }));
  out["rejected"] = await outcome(clock, api.read(KEY, 2, "Present_Position"));
  const syncRejected = await c(api.syncRead(KEY, "Present_Position", [1, 2]));
  expect(syncRejected[0]?.ok).toBe(true);
  expect(syncRejected[1]).toMatchObject({ id: 2, ok: false, error: { code: "servo_status" } });
  out["syncRejected"] = syncRejected[1];
  await c(api.simulate(KEY, { kind: "faults", faults: { servoError: { id: 2, bits: 0 }, corruptRate: 0, dropRate: 0 } }));
  expect(await c(api.read(KEY, 2, "Model_Number"))).toBe(777);
  out["noSuchSimMotor"] = await outcome(clock, api.simulate(KEY, { kind: "faults", faults: { servoError: { id: 42, bits: 1 } } }));

  // Errors with their codes.
  out["missing"] = await outcome(clock, api.read(KEY, 42, "Present_Position"));
  out["unknownRegister"] = await outcome(clock, api.read(KEY, 1, "Nope"));
  out["unknownBus"] = await outcome(clock, api.read("nobus", 1, "Present_Position"));
  out["outOfRange"] = await outcome(clock, api.write(KEY, 1, "Goal_Position", 99_999));

  // Unplug: a "lost" event, and calls fail with device_lost; plug: "reconnected", reads work.
  const before = events.length;
  await c(api.simulate(KEY, { kind: "unplug" }));
  await clock.until(() => events.length > before, 100);
  expect(events.slice(before)).toEqual([{ kind: "lost", key: KEY, message: expect.stringContaining("disconnected") as unknown }]);
  out["lostEvent"] = events[before];
  out["whileLost"] = await outcome(clock, api.read(KEY, 1, "Present_Position"));
  await c(api.simulate(KEY, { kind: "plug" }));
  await clock.until(() => events.length > before + 1, 100);
  expect(events[before + 1]).toEqual({ kind: "reconnected", key: KEY });
  expect(await c(api.read(KEY, 1, "Model_Number"))).toBe(777);
  expect(await c(api.read(KEY, 1, "Present_Position"))).toBe(start + 100);
  expect(events).toHaveLength(before + 2);

  await c(api.disconnect(KEY));
  out["afterDisconnect"] = await outcome(clock, api.read(KEY, 1, "Present_Position"));
  return out;
}

function expectErrors(out: Record<string, unknown>): void {
  const err = (k: string) => {
    const o = out[k] as Outcome;
    expect(o.ok, k).toBe(false);
    if (o.ok) throw new Error(k);
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

describe("bus worker rpc vs inline RigService", () => {
  it("runs the same session with the same results, events and errors", async () => {
    const viaWorker = await scenario(workerHarness(), "worker");
    const viaInline = await scenario(inlineHarness(), "main");
    expectErrors(viaWorker);
    expectErrors(viaInline);
    expect(viaWorker).toEqual(viaInline);
  });

  it("connectSerial without Web Serial in the worker fails with 'invalid'", async () => {
    const h = workerHarness();
    const o = await outcome(
      h.clock,
      h.remote.connectSerial("x", { usbVendorId: 1, usbProductId: 2, protocol: "feetech", baudRate: 1_000_000 }),
    );
    expect(o).toMatchObject({ ok: false, error: { code: "invalid", message: "Web Serial is not available in this worker." } });
  });

  it("a crashed worker rejects pending and later calls with a message for the user", async () => {
    const h = workerHarness();
    const pending = h.remote.read("nobus", 1, "ID");
    h.crash();
    await expect(pending).rejects.toThrow(/stopped\. Reload the page/);
    await expect(h.remote.scan("x")).rejects.toThrow(/Reload the page/);
  });
});
