import { ARMS, type ArmDefinition } from "../src/core/robots.ts";
import { MotorBus } from "../src/hardware/MotorBus.ts";
import { createSimulatedArm } from "../src/hardware/sim/simulatedArm.ts";
import { SimTransport } from "../src/hardware/sim/SimTransport.ts";
import { PROTOCOL_FAMILIES } from "../src/protocol/models.ts";
import { decodeValue, encodeValue } from "../src/protocol/values.ts";
import type { Benchmark } from "./types.ts";

const IDS = [1, 2, 3, 4, 5, 6];
const BAUD = 1_000_000;
const RUN_MS = 3000;

/** Bytes on the wire for one cycle: SYNC READ of 6 positions with its replies + SYNC WRITE of 6 goals. */
function cycleBytes(def: ArmDefinition): number {
  const fam = PROTOCOL_FAMILIES[def.protocol];
  const pos = fam.table[fam.telemetry.position]!;
  const goal = fam.table[fam.telemetry.goal]!;
  const read = fam.codec.syncRead(pos.address, pos.size, IDS).length + IDS.length * fam.codec.statusPacketSize(pos.size);
  const write = fam.codec.syncWrite(
    goal.address,
    goal.size,
    IDS.map((id) => ({ id, data: new Uint8Array(goal.size) })),
  ).length;
  return read + write;
}

/** Cycles per second of sync read + sync write on the simulated bus. */
async function cyclesPerSecond(def: ArmDefinition, usbLatencyMs: number): Promise<number> {
  const arm = createSimulatedArm(def, { usbLatencyMs, scripted: false });
  const bus = new MotorBus(new SimTransport(arm.wire, "bench"), PROTOCOL_FAMILIES[def.protocol]);
  await bus.open(BAUD);
  const goals = new Map(IDS.map((id) => [id, 2048] as const));
  // Warm up the JIT and the wire.
  for (let i = 0; i < 200; i++) {
    await bus.syncRead("Present_Position", IDS);
    await bus.syncWrite("Goal_Position", goals);
  }
  let cycles = 0;
  let missing = 0;
  const start = performance.now();
  while (performance.now() - start < RUN_MS) {
    const r = await bus.syncRead("Present_Position", IDS);
    missing += r.filter((x) => !x.ok).length;
    await bus.syncWrite("Goal_Position", goals);
    cycles++;
  }
  const elapsed = (performance.now() - start) / 1000;
  await bus.close();
  if (missing > 0) throw new Error(`${missing} readings missing on a fault-free bus`);
  return cycles / elapsed;
}

function limit(def: ArmDefinition): number {
  return BAUD / (cycleBytes(def) * 10);
}

/** Software time per cycle: encode the sync read, decode six replies, encode the sync write. */
function codecOverheadUs(def: ArmDefinition): number {
  const fam = PROTOCOL_FAMILIES[def.protocol];
  const codec = fam.codec;
  const pos = fam.table[fam.telemetry.position]!;
  const goal = fam.table[fam.telemetry.goal]!;
  const replies = IDS.map((id) => codec.encodeStatus(id, 0, encodeValue(pos, 2000 + id)));
  const stream = new Uint8Array(replies.reduce((n, r) => n + r.length, 0));
  let o = 0;
  for (const r of replies) {
    stream.set(r, o);
    o += r.length;
  }
  const decoder = codec.createDecoder();
  let sink = 0;
  const cycle = (k: number) => {
    sink += codec.syncRead(pos.address, pos.size, IDS).length;
    for (const ev of decoder.push(stream)) {
      if (ev.kind !== "frame") throw new Error("corrupt");
      const st = codec.parseStatus(ev.frame);
      if (st) sink += decodeValue(pos, st.data);
    }
    const entries = IDS.map((id) => ({ id, data: encodeValue(goal, 2048 + ((k + id) & 255)) }));
    sink += codec.syncWrite(goal.address, goal.size, entries).length;
  };
  for (let k = 0; k < 20_000; k++) cycle(k);
  const n = 200_000;
  const t0 = performance.now();
  for (let k = 0; k < n; k++) cycle(k);
  const us = ((performance.now() - t0) * 1000) / n;
  if (sink === 0) throw new Error("nothing decoded");
  return us;
}

export const benchmarks: Benchmark[] = [
  {
    id: "bus.sync_cycle_ratio",
    unit: "ratio",
    goal: ">= 0.8",
    what: "STS3215 sync read 6 + sync write 6 at 1 Mbaud, zero USB latency: cycles/s ÷ wire limit (88 bytes → 1,136/s)",
    run: async () => (await cyclesPerSecond(ARMS.so101_follower, 0)) / limit(ARMS.so101_follower),
  },
  {
    id: "bus.sync_cycle_ratio_dxl",
    unit: "ratio",
    goal: ">= 0.8",
    what: "Dynamixel X same cycle: cycles/s ÷ wire limit (154 bytes → 649/s)",
    run: async () => (await cyclesPerSecond(ARMS.koch_follower, 0)) / limit(ARMS.koch_follower),
  },
  {
    id: "bus.sync_cycle_hz_usb1ms",
    unit: "cycles/s",
    goal: "",
    what: "STS3215 cycle with 1 ms USB latency per transaction",
    run: () => cyclesPerSecond(ARMS.so101_follower, 1),
  },
  {
    id: "bus.codec_overhead_us",
    unit: "µs/cycle",
    goal: "< 50",
    what: "Feetech encode + decode software time per cycle, Node",
    run: async () => codecOverheadUs(ARMS.so101_follower),
  },
  {
    id: "bus.codec_overhead_us_dxl",
    unit: "µs/cycle",
    goal: "< 50",
    what: "Dynamixel encode + decode software time per cycle, Node",
    run: async () => codecOverheadUs(ARMS.koch_follower),
  },
];
