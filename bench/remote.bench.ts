/**
 * Remote teleoperation figures: the station's ControlLoop (100 Hz, simulated SO-101 follower) with
 * the real RemoteCommandGate and RemoteStation, and the operator's RemoteOperator (50 Hz), as two
 * processes in two network namespaces (`ip netns`, a veth pair), the command and state channels as
 * UDP datagrams and control over TCP (bench/remote/udpLink.ts — no WebRTC, no browser).
 *
 * The link's impairment is a userspace relay in the operator's namespace (bench/remote/peer.ts
 * `relay`): 50 ms ± 10 ms per datagram and 1 % loss each way — this machine's kernel has no
 * sch_netem, so `tc netem` cannot be used here. Each run ends with a 2 s outage during which the
 * relay holds every datagram and then releases them all at once (a lagging link, the worst case
 * for stale commands). "loopback" is the same through the relay with no delay or loss, in one
 * namespace. Without root or `ip`, the impaired run is skipped (its figures are NaN).
 *
 * The `remote.video_latency_p50_ms` and `remote.webrtc.*` figures come from two Chromium instances
 * on loopback running the built studio (bench/remote/browsers.ts): the real WebRTC path, data
 * channels and video, read from the operator's link panel.
 */
import { spawn, spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { type BrowserFigures, browserFigures } from "./remote/browsers.ts";
import type { Benchmark } from "./types.ts";

const PEER = fileURLToPath(new URL("./remote/peer.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));
const GATE = { maxAgeMs: 250, watchdogMs: 500, onLinkLoss: "hold" as const };
const CUT_MS = 2000;

interface StationFigures {
  ages: number[];
  transits: number[];
  arrivedEpoch: [number, number][];
  applied: number;
  staleApplied: number;
  outageOldApplied: number;
  holdMs: number;
  resumedAfterMs: number;
  droppedStale: number;
  droppedOutOfOrder: number;
}

/**
 * The relay stands in for `tc netem`, which delays packets in the kernel with no process to
 * schedule. As a userspace process on a busy machine it would add its own scheduling latency to
 * every datagram (measured: p99 link transit 83 ms for 50 ± 10 ms at load 11), so it runs with a
 * real-time priority where it can (root, chrt): the impairment is then the one asked for. The
 * station and the operator run as ordinary processes.
 */
const REALTIME = process.getuid?.() === 0 && spawnSync("chrt", ["-f", "10", "true"]).status === 0 && process.env["BENCH_RELAY_RT"] !== "0";

function run(ns: string | undefined, role: string, options: object): Promise<string> {
  const peer = [...(role === "relay" && REALTIME ? ["chrt", "-f", "10"] : []), TSX, PEER, role, JSON.stringify(options)];
  const [cmd, args] = ns ? ["ip", ["netns", "exec", ns, ...peer]] : [peer[0]!, peer.slice(1)];
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    p.stdout.on("data", (d: Buffer) => (out += d.toString()));
    p.on("exit", (code) => (code === 0 || role === "relay" ? resolve(out) : reject(new Error(`${role} exited with ${code}`))));
    if (role === "relay") setTimeout(() => p.kill(), 60_000).unref();
    relays.push(p);
  });
}
const relays: ReturnType<typeof spawn>[] = [];

const ip = (...args: string[]) => spawnSync("ip", args, { stdio: "ignore" }).status === 0;

function makeNamespaces(): boolean {
  if (process.getuid?.() !== 0 || spawnSync("ip", ["-V"]).status !== 0) return false;
  teardown();
  return (
    ip("netns", "add", "rmtsta") &&
    ip("netns", "add", "rmtopr") &&
    ip("link", "add", "rmtv0", "type", "veth", "peer", "name", "rmtv1") &&
    ip("link", "set", "rmtv0", "netns", "rmtsta") &&
    ip("link", "set", "rmtv1", "netns", "rmtopr") &&
    ip("-n", "rmtsta", "addr", "add", "10.99.7.1/24", "dev", "rmtv0") &&
    ip("-n", "rmtopr", "addr", "add", "10.99.7.2/24", "dev", "rmtv1") &&
    ip("-n", "rmtsta", "link", "set", "rmtv0", "up") &&
    ip("-n", "rmtopr", "link", "set", "rmtv1", "up") &&
    ip("-n", "rmtsta", "link", "set", "lo", "up") &&
    ip("-n", "rmtopr", "link", "set", "lo", "up")
  );
}

function teardown(): void {
  ip("netns", "del", "rmtsta");
  ip("netns", "del", "rmtopr");
}

async function scenario(impaired: boolean): Promise<StationFigures | undefined> {
  if (impaired && !makeNamespaces()) return undefined;
  const [stNs, opNs] = impaired ? ["rmtsta", "rmtopr"] : [undefined, undefined];
  const stationHost = impaired ? "10.99.7.1" : "127.0.0.1";
  const relayHost = impaired ? "10.99.7.2" : "127.0.0.1";
  const now = performance.timeOrigin + performance.now();
  const cutAt = now + 15_000; // a long enough steady window even when a loaded machine is slow to connect
  try {
    const station = run(stNs, "station", {
      listen: { host: "0.0.0.0", port: 4225 },
      peerUdp: { host: relayHost, port: 4227 },
      cutAt,
      cutMs: CUT_MS,
      gate: GATE,
    });
    void run(opNs, "relay", {
      opSide: { host: "0.0.0.0", port: 4226 },
      stSide: { host: "0.0.0.0", port: 4227 },
      toStation: { host: stationHost, port: 4225 },
      toOperator: { host: "127.0.0.1", port: 4228 },
      delayMs: impaired ? 50 : 0,
      jitterMs: impaired ? 10 : 0,
      loss: impaired ? 0.01 : 0,
      cutAt,
      cutMs: CUT_MS,
    });
    await new Promise((r) => setTimeout(r, 3000)); // the station's simulated bus and listener are up
    const operator = run(opNs, "operator", {
      local: { host: "0.0.0.0", port: 4228 },
      udp: { host: "127.0.0.1", port: 4226 },
      tcp: { host: stationHost, port: 4225 },
      runUntil: cutAt + CUT_MS + 2500,
    });
    const [out, opOut] = await Promise.all([station, operator]);
    const f = JSON.parse(out) as StationFigures;
    const waits = f.ages.map((a, i) => a - f.transits[i]!);
    // The link's transit on the wall clock both processes share, next to the station's view of it (through the pinged offset).
    const sent = new Map((JSON.parse(opOut) as { sentEpoch: [number, number][] }).sentEpoch);
    const wall = f.arrivedEpoch.filter(([, at]) => at < cutAt).map(([seq, at]) => at - (sent.get(seq) ?? NaN));
    const q = (xs: number[]) => [0.5, 0.9, 0.99].map((p) => quantile(xs, p).toFixed(1)).join(" / ");
    process.stderr.write(
      `\n  ${impaired ? "impaired" : "loopback"}: age p50/p90/p99 ${q(f.ages)} ms = link ${q(f.transits)} (wall clock: ${q(wall)}) + loop wait ${q(waits)} ms (${f.ages.length} applied; load ${loadavg()[0]!.toFixed(1)}${REALTIME ? ", relay real-time" : ""})\n`,
    );
    return f;
  } finally {
    for (const p of relays.splice(0)) p.kill();
    if (impaired) teardown();
  }
}

const runs = new Map<boolean, Promise<StationFigures | undefined>>();
const figures = (impaired: boolean): Promise<StationFigures | undefined> => {
  let p = runs.get(impaired);
  if (!p) {
    // One scenario at a time: the loopback run first, then the impaired one.
    p = impaired ? figures(false).then(() => scenario(true)) : scenario(false);
    runs.set(impaired, p);
  }
  return p;
};

function quantile(xs: readonly number[], q: number): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

let browsers: Promise<BrowserFigures> | undefined;
const fromBrowsers = (f: (b: BrowserFigures) => number) => async () => f(await (browsers ??= browserFigures()));

const from = (impaired: boolean, f: (s: StationFigures) => number) => async () => {
  const s = await figures(impaired);
  return s ? f(s) : NaN;
};

export const benchmarks: Benchmark[] = [
  {
    id: "remote.loopback.cmd_age_p50_ms",
    unit: "ms",
    goal: "<= 20",
    what: "age of an operator's command when the station's loop applied it, one namespace, no delay (goal: 2 loop periods)",
    run: from(false, (s) => quantile(s.ages, 0.5)),
  },
  {
    id: "remote.loopback.cmd_age_p99_ms",
    unit: "ms",
    goal: "<= 20",
    what: "as above, p99",
    run: from(false, (s) => quantile(s.ages, 0.99)),
  },
  {
    id: "remote.cmd_age_p50_ms",
    unit: "ms",
    goal: "",
    what: "command age at application across two namespaces, 50 ms ± 10 ms one way and 1 % loss (userspace relay)",
    run: from(true, (s) => quantile(s.ages, 0.5)),
  },
  {
    id: "remote.cmd_age_p99_ms",
    unit: "ms",
    goal: "<= 70",
    what: "as above, p99 (goal: one-way delay + 2 loop periods)",
    run: from(true, (s) => quantile(s.ages, 0.99)),
  },
  {
    id: "remote.stale_applied",
    unit: "commands",
    goal: "= 0",
    what: "commands applied after being superseded or older than the 250 ms limit, both runs, outage included",
    run: async () => {
      const [a, b] = await Promise.all([figures(false), figures(true)]);
      return (a?.staleApplied ?? 0) + (b?.staleApplied ?? 0);
    },
  },
  {
    id: "remote.link_loss_hold_ms",
    unit: "ms",
    goal: "<= 510",
    what: "from cutting the link to the station holding (goal: watchdog 500 ms + 1 tick), impaired run",
    run: from(true, (s) => s.holdMs),
  },
  {
    id: "remote.outage_old_applied",
    unit: "commands",
    goal: "= 0",
    what: "after a 2 s outage whose queued datagrams arrive at once: old commands the loop applied (all are dropped as stale)",
    run: from(true, (s) => s.outageOldApplied),
  },
  {
    id: "remote.video_latency_p50_ms",
    unit: "ms",
    goal: "<= 150",
    what: "glass-to-glass, two Chromium instances on loopback: the station's simulated camera's drawn capture time, read from each decoded frame at the operator (clocks mapped by pings), p50 of 100",
    run: fromBrowsers((b) => b.videoLatencyP50Ms),
  },
  {
    id: "remote.webrtc.loopback.cmd_age_p50_ms",
    unit: "ms",
    goal: "<= 20",
    what: "command age at application over real WebRTC data channels between two Chromium instances on loopback (the operator's link panel, last 200; goal: 2 loop periods)",
    run: fromBrowsers((b) => b.cmdAgeP50Ms),
  },
  {
    id: "remote.webrtc.loopback.cmd_age_p99_ms",
    unit: "ms",
    goal: "<= 20",
    what: "as above, p99",
    run: fromBrowsers((b) => b.cmdAgeP99Ms),
  },
];
