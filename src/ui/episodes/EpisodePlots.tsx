import { useEffect, useMemo, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { EpisodeData } from "../../state/index.ts";

const STATE_COLOR = "#60a5fa";
const ACTION_COLOR = "#f59e0b";

/** Per joint, the column of observation.state and action over the episode's frames (x = frame index). */
export function plotColumns(data: EpisodeData, joint: number): uPlot.AlignedData {
  const n = data.rows;
  const J = data.joints;
  const x = new Float64Array(n);
  const st = new Float64Array(n);
  const ac = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    x[r] = r;
    const a = data.state[r * J + joint]!;
    const b = data.action[r * J + joint]!;
    st[r] = a;
    ac[r] = b;
  }
  // uPlot draws NaN as a gap only for null; NaN values are rare (missing samples): keep them as gaps.
  const gaps = (v: Float64Array) => (v.some(Number.isNaN) ? Array.from(v, (y) => (Number.isNaN(y) ? null : y)) : v);
  return [x, gaps(st), gaps(ac)] as unknown as uPlot.AlignedData;
}

/**
 * observation.state and action per joint (uPlot, one small chart per joint), with one shared
 * cursor at the player's frame; clicking a chart seeks there. The charts are built once per
 * episode; the frame only moves the cursors (no React re-render of the charts).
 */
export function EpisodePlots({
  data,
  jointNames,
  frame,
  onSeek,
}: {
  data: EpisodeData;
  jointNames: readonly string[];
  frame: number;
  onSeek: (frame: number) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plots = useRef<uPlot[]>([]);
  const frameRef = useRef(frame);
  frameRef.current = frame;
  const seekRef = useRef(onSeek);
  seekRef.current = onSeek;
  const names = useMemo(() => Array.from({ length: data.joints }, (_, j) => jointNames[j] ?? `joint ${j}`), [data.joints, jointNames]);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const t0 = performance.now();
    // Charts sit in a grid: each takes its cell's width.
    const cellWidth = (cell: Element) => Math.max(200, Math.floor(cell.getBoundingClientRect().width));
    const out: uPlot[] = [];
    // Build-to-drawn time of all charts (data-draw-ms): uPlot draws after a microtask.
    let undrawn = names.length;
    const drawn = new Set<number>();
    names.forEach((name, j) => {
      const cell = document.createElement("div");
      cell.className = "episode-plot";
      cell.dataset["joint"] = name;
      el.appendChild(cell);
      const width = cellWidth(cell);
      const opts: uPlot.Options = {
        title: name,
        width,
        height: 110,
        legend: { show: false },
        scales: { x: { time: false } },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        axes: [
          { stroke: "#8b949e", grid: { stroke: "#2a3039", width: 1 }, ticks: { show: false }, font: "10px monospace", size: 24 },
          { stroke: "#8b949e", grid: { stroke: "#2a3039", width: 1 }, ticks: { show: false }, font: "10px monospace", size: 44 },
        ],
        series: [
          {},
          { label: "state", stroke: STATE_COLOR, width: 1.5, points: { show: false } },
          { label: "action", stroke: ACTION_COLOR, width: 1, dash: [4, 3], points: { show: false } },
        ],
        hooks: {
          // uPlot lays itself out in a microtask: the first cursor position waits for it.
          ready: [(u) => u.setCursor({ left: u.valToPos(frameRef.current, "x"), top: 10 })],
          draw: [
            () => {
              if (drawn.has(j)) return;
              drawn.add(j);
              if (--undrawn === 0) {
                el.dataset["drawMs"] = (performance.now() - t0).toFixed(1);
                el.dataset["ready"] = "true";
              }
            },
          ],
          setCursor: [
            (u) => {
              if (j === 0 && u.cursor.idx != null) el.dataset["cursorFrame"] = String(u.data[0][u.cursor.idx]);
            },
          ],
        },
      };
      const p = new uPlot(opts, plotColumns(data, j), cell);
      p.over.addEventListener("click", () => {
        const idx = p.cursor.idx;
        if (idx != null) seekRef.current(idx);
      });
      out.push(p);
    });
    plots.current = out;
    const resize = new ResizeObserver(() =>
      out.forEach((p) => p.root.parentElement && p.setSize({ width: cellWidth(p.root.parentElement), height: 110 })),
    );
    resize.observe(el);
    return () => {
      resize.disconnect();
      out.forEach((p) => p.destroy());
      el.replaceChildren();
      delete el.dataset["ready"];
      delete el.dataset["drawMs"];
      plots.current = [];
    };
  }, [data, names]);

  // The shared cursor follows the player's frame.
  useEffect(() => {
    const id = requestAnimationFrame(() => {
      for (const p of plots.current) p.setCursor({ left: p.valToPos(frame, "x"), top: 10 });
    });
    return () => cancelAnimationFrame(id);
  }, [frame, data]);

  return (
    <div
      className="episode-plots"
      ref={host}
      data-testid="episode-plots"
      aria-label="Joint plots: state (solid blue) and action (dashed amber)"
    >
      {/* uPlot charts are appended here */}
    </div>
  );
}
