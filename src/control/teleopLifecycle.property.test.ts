/**
 * Lifecycles that cannot race: any interleaving of start / stop / e-stop / source switch /
 * replay / unplug, as the UI, recording and replay issue them, with every bus reply resolved in
 * an order chosen by fast-check's scheduler. Afterwards:
 * - once the last stop was asked for, no Goal_Position and no Torque_Enable=1 write is issued
 *   to any bus, however long the clock runs on;
 * - at no time do two control loops drive at once.
 * Plus the measured regression: two overlapping starts, then a stop, left an orphan loop writing
 * goals (144 writes in 300 ms after the stop).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CalibrationTable } from "../core/calibration.ts";
import { ManualClock } from "../core/clock.ts";
import { ARMS } from "../core/robots.ts";
import type { MotorBytes, MotorReading } from "../hardware/index.ts";
import { PROTOCOL_FAMILIES } from "../protocol/models.ts";
import { encodeValue } from "../protocol/values.ts";
import { ControlLoop, type LoopBus } from "./ControlLoop.ts";
import { healthSpan } from "./health.ts";
import { TeleopController } from "./TeleopController.ts";
import { type TeleopArmSpec, TeleopService, type TeleopStatus } from "./TeleopService.ts";

const FOLLOWER = ARMS.so101_follower;
const LEADER = ARMS.so101_leader;
const IDS = FOLLOWER.motors.map((m) => m.id);
const CAL: CalibrationTable = Object.fromEntries(
  FOLLOWER.motors.map((m) => [m.name, { id: m.id, drive_mode: 0, homing_offset: 0, range_min: 1000, range_max: 3000 }]),
);

interface Write {
  readonly bus: string;
  readonly register: string;
  readonly values: readonly (readonly [number, number])[];
}

/** Moves or powers an arm: any goal, or torque on. */
const moving = (w: Write) => w.register === "Goal_Position" || (w.register === "Torque_Enable" && w.values.some(([, v]) => v !== 0));

/** A bus whose every reply is a promise released by `release` (fast-check's scheduler, or at once). */
class FakeBus implements LoopBus {
  private lost = new Set<() => void>();
  private readonly span = healthSpan(FOLLOWER);
  constructor(
    readonly key: string,
    private readonly writes: Write[],
    private readonly release: <T>(value: T, label: string) => Promise<T>,
  ) {}
  syncRead(_register: string, ids: readonly number[]): Promise<MotorReading[]> {
    return this.release(
      ids.map((id) => ({ id, ok: true as const, value: 2048 + id * 10, conditions: [] })),
      `${this.key} syncRead`,
    );
  }
  syncReadBytes(address: number, length: number, ids: readonly number[]): Promise<MotorBytes[]> {
    const fam = PROTOCOL_FAMILIES.feetech;
    const data = new Uint8Array(length);
    const put = (name: string, v: number) => {
      const reg = fam.table[name]!;
      data.set(encodeValue(reg, v), reg.address - address);
    };
    expect(address).toBe(this.span.start);
    put("Present_Position", 2000);
    put("Present_Temperature", 30);
    put("Present_Voltage", 74);
    put("Present_Load", 0);
    return this.release(
      ids.map((id) => ({ id, ok: true as const, data: data.slice(), conditions: [] })),
      `${this.key} syncReadBytes`,
    );
  }
  syncWrite(register: string, values: readonly (readonly [number, number])[]): Promise<void> {
    this.writes.push({ bus: this.key, register, values }); // issued now: recorded now
    return this.release(undefined, `${this.key} syncWrite ${register}`);
  }
  onLost(fn: () => void): () => void {
    this.lost.add(fn);
    return () => this.lost.delete(fn);
  }
  unplug(): void {
    for (const fn of [...this.lost]) fn();
  }
}

/** Runs every queued promise callback (nothing the scheduler holds back). */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const spec = (busKey: string, arm: typeof FOLLOWER): TeleopArmSpec => ({ busKey, arm: arm.id, calibration: CAL, body: "degrees" });

function harness(release: <T>(value: T, label: string) => Promise<T>) {
  const clock = new ManualClock(0);
  const writes: Write[] = [];
  const buses = new Map<string, FakeBus>([
    ["leader", new FakeBus("leader", writes, release)],
    ["follower", new FakeBus("follower", writes, release)],
  ]);
  const loops: ControlLoop[] = [];
  let maxDriving = 0;
  const drivingNow = () => loops.filter((l) => l.snapshot.state === "gating" || l.snapshot.state === "tracking").length;
  const ref: { controller?: TeleopController } = {};
  const service: TeleopService = new TeleopService({
    busOf: (key) => buses.get(key)!,
    clock,
    emit: (s: TeleopStatus) => ref.controller?.report(service, s),
    createLoop: (l, f, o, b) => {
      const loop = new ControlLoop(l, f, o, { clock, ...(b ? { sampleBuffer: b } : {}) });
      loops.push(loop);
      loop.subscribe(() => (maxDriving = Math.max(maxDriving, drivingNow())));
      return loop;
    },
  });
  const controller = new TeleopController({
    hostFor: () => service,
    hosts: () => [service],
    torqueOffEverywhere: async () => {
      await Promise.all(
        [...buses.values()].map((b) =>
          b.syncWrite(
            "Torque_Enable",
            IDS.map((id) => [id, 0] as const),
          ),
        ),
      );
    },
  });
  ref.controller = controller;
  const start = (withLeader: boolean, rateHz = 100) =>
    controller.start({ ...(withLeader ? { leader: spec("leader", LEADER) } : {}), follower: spec("follower", FOLLOWER), rateHz });
  return { clock, writes, buses, loops, controller, service, start, maxDriving: () => maxDriving };
}

type Op =
  | { kind: "start"; leader: boolean; rateHz: number }
  | { kind: "stop" }
  | { kind: "estop" }
  | { kind: "source"; source: "leader" | "manual" }
  | { kind: "replay" }
  | { kind: "target"; value: number }
  | { kind: "unplug" }
  | { kind: "time"; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant("start" as const), leader: fc.boolean(), rateHz: fc.constantFrom(50, 100, 200) }), weight: 4 },
  { arbitrary: fc.constant({ kind: "stop" as const }), weight: 3 },
  { arbitrary: fc.constant({ kind: "estop" as const }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant("source" as const), source: fc.constantFrom("leader" as const, "manual" as const) }),
    weight: 1,
  },
  { arbitrary: fc.constant({ kind: "replay" as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("target" as const), value: fc.double({ min: -500, max: 500, noNaN: true }) }), weight: 1 },
  { arbitrary: fc.constant({ kind: "unplug" as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("time" as const), ms: fc.integer({ min: 1, max: 40 }) }), weight: 3 },
);

describe("teleop lifecycles under any interleaving", () => {
  it("regression: two overlapping starts then a stop leave no loop writing", async () => {
    const h = harness((v) => Promise.resolve(v));
    const a = h.start(true);
    const b = h.start(true);
    expect(b).toBe(a); // the second start is the first one
    expect(h.controller.snapshot.phase).toBe("starting"); // synchronously
    await h.clock.advance(50);
    await a;
    expect(h.controller.driving).toBe(true);
    const stopped = h.controller.stop();
    const mark = h.writes.length;
    await stopped;
    await h.clock.advance(300);
    expect(h.writes.slice(mark).filter(moving)).toEqual([]);
    expect(h.loops).toHaveLength(1);
  });

  it("regression: two overlapping startTeleop calls on the host build one loop; stop leaves nothing writing", async () => {
    const h = harness((v) => Promise.resolve(v));
    const req = { leader: spec("leader", LEADER), follower: spec("follower", FOLLOWER) };
    const a = h.service.startTeleop(req);
    const b = h.service.startTeleop(req);
    expect(b).toBe(a);
    await h.clock.advance(50);
    await Promise.all([a, b]);
    expect(h.loops).toHaveLength(1);
    const stopped = h.service.stopTeleop();
    const mark = h.writes.length;
    await stopped;
    await h.clock.advance(300);
    expect(h.writes.slice(mark).filter(moving)).toEqual([]);
  });

  it("regression: start, change the rate, start again: one loop, the old one stopped first", async () => {
    const h = harness((v) => Promise.resolve(v));
    await h.start(true, 100);
    await h.clock.advance(50);
    await h.controller.stop();
    await h.start(true, 50);
    await h.clock.advance(100);
    expect(h.loops).toHaveLength(2);
    expect(h.loops[0]!.snapshot.state).toBe("stopped");
    expect(h.maxDriving()).toBe(1);
    const stopped = h.controller.stop();
    const mark = h.writes.length;
    await stopped;
    await h.clock.advance(300);
    expect(h.writes.slice(mark).filter(moving)).toEqual([]);
  });

  it("regression: a stop while a restart waits for the old loop's tick in flight cancels the restart", async () => {
    let hold = false;
    const held: (() => void)[] = [];
    const h = harness(<T>(v: T) => (hold ? new Promise<T>((r) => held.push(() => r(v))) : Promise.resolve(v)));
    const req = { leader: spec("leader", LEADER), follower: spec("follower", FOLLOWER) };
    await h.service.startTeleop(req);
    await h.clock.advance(30);
    hold = true;
    await h.clock.advance(10); // a tick falls due; its reads are held
    const restart = h.service.startTeleop({ ...req, options: { rateHz: 50 } }); // waits for the old loop to settle
    const stopped = h.service.stopTeleop();
    const mark = h.writes.length;
    hold = false;
    for (const r of held.splice(0)) r();
    await Promise.all([restart, stopped]);
    await h.clock.advance(300);
    expect(h.writes.slice(mark).filter(moving)).toEqual([]);
    expect(h.loops).toHaveLength(1); // the restart never built its loop
  });

  it("property: after the last stop nothing moves any arm, and never two loops drive at once", async () => {
    let drove = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.tuple(opArb, fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 14 }),
        fc.integer({ min: 0, max: 25 }),
        async (s, ops, beforeLastStopMs) => {
          const h = harness((v, label) => s.schedule(Promise.resolve(v), label));
          const swallow = (p: Promise<unknown>) => void p.catch(() => undefined);
          for (const [op, releases] of ops) {
            switch (op.kind) {
              case "start":
                swallow(h.start(op.leader, op.rateHz));
                break;
              case "stop":
                swallow(h.controller.stop());
                break;
              case "estop":
                swallow(h.controller.estop());
                break;
              case "source":
                swallow(h.controller.setSource(op.source));
                break;
              case "replay": {
                const values = new Float32Array(30 * 6).fill(5);
                swallow(h.controller.playTrajectory({ values, fps: 30, from: 0, to: 30 }));
                break;
              }
              case "target":
                h.controller.setTarget(0, op.value);
                break;
              case "unplug":
                h.buses.get("follower")!.unplug();
                break;
              case "time":
                await h.clock.advance(op.ms);
                break;
            }
            // Let the scheduler release some replies between operations, in its chosen order (what
            // a release sets in motion runs on before the next is chosen).
            for (let i = 0; i < releases; i++) {
              await flush();
              if (s.count() > 0) await s.waitOne();
            }
          }
          // Ticks fall due, their replies held back: the last stop often lands mid-tick.
          await h.clock.advance(beforeLastStopMs);
          runs++;
          if (h.maxDriving() > 0) drove++;
          const last = h.controller.stop();
          const mark = h.writes.length;
          // Drain: every pending reply, and a second of loop time.
          for (let round = 0; round < 20; round++) {
            await s.waitAll();
            await h.clock.advance(50);
          }
          await s.waitAll();
          await last;
          const late = h.writes.slice(mark).filter(moving);
          expect(late, `moving writes after the last stop:\n${s.report()}`).toEqual([]);
          expect(h.maxDriving()).toBeLessThanOrEqual(1);
          expect(h.loops.filter((l) => l.snapshot.state === "gating" || l.snapshot.state === "tracking")).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
    // The property is about loops that actually drove: most runs must have got one going.
    expect(drove).toBeGreaterThan(runs / 4);
  });
});
