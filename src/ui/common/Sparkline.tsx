import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface SparkSeries {
  readonly label: string;
  readonly unit: string;
  readonly color: string;
}

/** A round top for a 0-based scale: 1, 2 or 5 × a power of ten, at least `max` (1 for nothing yet). */
function niceTop(max: number): number {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * p).find((t) => t >= max) ?? 10 * p;
}

/**
 * A small live chart of a few series over the last `capacity` pushes (uPlot). Values are
 * appended with `push` from a parent effect; the chart redraws itself, React does not
 * re-render for new points.
 */
export function useSparkline(series: readonly SparkSeries[], capacity = 120) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = useRef<number[][]>([[], ...series.map(() => [])]);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(160, el.clientWidth),
      height: 70,
      legend: { show: true, live: false },
      cursor: { show: false },
      // Each unit's scale starts at 0 (a rate or a jitter read against zero, not against its own wobble).
      scales: {
        x: { time: false },
        ...Object.fromEntries(series.map((s) => [s.unit, { range: (_u: uPlot, _min: number, max: number) => [0, niceTop(max)] }])),
      },
      axes: [
        { show: false },
        ...series.map((s, i) => ({
          scale: s.unit,
          side: i === 0 ? 3 : 1,
          size: 36,
          stroke: s.color,
          grid: { show: i === 0, stroke: "#2a3039", width: 1 },
          ticks: { show: false },
          // Labels every ~18 px: 0, a middle and the top fit in the 70 px chart (uPlot's default 30 px showed "0" alone).
          space: 18,
          values: (_u: uPlot, splits: number[]) => splits.map((v) => String(Number(v.toFixed(1)))),
          font: "10px monospace",
        })),
      ],
      series: [
        {},
        ...series.map((s) => ({ label: `${s.label} (${s.unit})`, scale: s.unit, stroke: s.color, width: 1.5, points: { show: false } })),
      ],
    };
    const p = new uPlot(opts, data.current as uPlot.AlignedData, el);
    plot.current = p;
    const resize = new ResizeObserver(() => p.setSize({ width: Math.max(160, el.clientWidth), height: 70 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      p.destroy();
      plot.current = null;
    };
    // The series definition is fixed for the component's life.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const push = (values: readonly number[]) => {
    const d = data.current;
    const x = d[0]!;
    x.push((x[x.length - 1] ?? 0) + 1);
    values.forEach((v, i) => d[i + 1]?.push(v));
    if (x.length > capacity) for (const col of d) col.shift();
    plot.current?.setData(d as uPlot.AlignedData);
  };
  return { host, push };
}
