import { useEffect } from "react";
import type { TeleopStatus } from "../../state/index.ts";
import { useSparkline } from "../common/Sparkline.tsx";

const SERIES = [
  { label: "rate", unit: "Hz", color: "#7cc4ff" },
  { label: "p99 period error", unit: "ms", color: "#f5b041" },
] as const;

/** The loop's measured rate and jitter over the last ~12 s (one point per status, ~10 Hz). */
export function LoopChart({ status }: { status: TeleopStatus | undefined }) {
  const { host, push } = useSparkline(SERIES);
  const rate = status?.rateHz;
  const p99 = status?.p99PeriodErrorMs;
  const ticks = status?.ticks;
  useEffect(() => {
    if (rate === undefined || p99 === undefined || ticks === undefined) return;
    push([rate, p99]);
    // push is stable in effect (refs); a new point per status.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ticks, rate, p99]);
  return <div className="sparkline" data-testid="loop-chart" ref={host} aria-label="Loop rate and jitter chart" />;
}
