import { useEffect, useMemo, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { EpisodeAnnotations, JointUnits } from "../../core/dataset.ts";
import type { EpisodeData } from "../../state/index.ts";

const STATE_COLOR = "#60a5fa";
const ACTION_COLOR = "#f59e0b";
const SPAN_COLORS = ["rgba(76, 154, 255, 0.14)", "rgba(63, 185, 80, 0.14)", "rgba(227, 179, 65, 0.14)", "rgba(188, 140, 255, 0.14)"];
const EVENT_COLOR = "rgba(240, 246, 252, 0.55)";
/** A policy rollout's corrected rows: a faint band and a solid strip along the bottom (the timeline's red; amber is the action). */
const CORRECTED_FILL = "rgba(251, 113, 133, 0.12)";
const CORRECTED_STRIP = "#fb7185";
const PLOT_HEIGHT = 72;

/** The unit of a joint's values: degrees, or percent (the gripper; every joint in range mode). */
export function jointUnit(name: string, units: JointUnits | undefined): string {
  return units === "range_m100_100" || name.startsWith("gripper") ? "%" : "°";
}

/** Subtask spans as bands, corrected rows (a rollout) as a red band, events as lines on a chart's time axis (frames), under the curves. */
function drawAnnotations(u: uPlot, a: EpisodeAnnotations | undefined): void {
  if (!a) return;
  const { ctx } = u;
  const { top, height } = u.bbox;
  const x = (f: number) => u.valToPos(f, "x", true);
  ctx.save();
  const strip = Math.max(2, 3 * devicePixelRatio);
  for (const s of a.interventions ?? []) {
    const w = Math.max(1, x(s.endFrame) - x(s.startFrame));
    ctx.fillStyle = CORRECTED_FILL;
    ctx.fillRect(x(s.startFrame), top, w, height);
    ctx.fillStyle = CORRECTED_STRIP;
    ctx.fillRect(x(s.startFrame), top + height - strip, w, strip);
  }
  a.spans.forEach((s, i) => {
    ctx.fillStyle = SPAN_COLORS[i % SPAN_COLORS.length]!;
    ctx.fillRect(x(s.startFrame), top, Math.max(1, x(s.endFrame) - x(s.startFrame)), height);
  });
  ctx.strokeStyle = EVENT_COLOR;
  ctx.lineWidth = Math.max(1, devicePixelRatio);
  for (const e of a.events) {
    ctx.beginPath();
    ctx.moveTo(Math.round(x(e.frame)) + 0.5, top);
    ctx.lineTo(Math.round(x(e.frame)) + 0.5, top + height);
    ctx.stroke();
  }
  ctx.restore();
}

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
 * observation.state (solid) and action (dashed) per joint (uPlot, one small chart per joint, the
 * unit on its axis), subtask spans and events on the time axis, and one playhead at the player's
 * frame (the mouse does not move it; clicking a chart seeks there). The charts are built once per
 * episode; the frame only moves the playheads, an annotation edit only redraws.
 */
export function EpisodePlots({
  data,
  jointNames,
  units,
  annotations,
  frame,
  onSeek,
}: {
  data: EpisodeData;
  jointNames: readonly string[];
  units: JointUnits | undefined;
  annotations: EpisodeAnnotations | undefined;
  frame: number;
  onSeek: (frame: number) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plots = useRef<uPlot[]>([]);
  const frameRef = useRef(frame);
  frameRef.current = frame;
  const seekRef = useRef(onSeek);
  seekRef.current = onSeek;
  const annotationsRef = useRef(annotations);
  annotationsRef.current = annotations;
  const names = useMemo(() => Array.from({ length: data.joints }, (_, j) => jointNames[j] ?? `joint ${j}`), [data.joints, jointNames]);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const t0 = performance.now();
    // Charts sit in a grid: each takes its cell's width.
    const cellWidth = (cell: Element) => Math.max(120, Math.floor(cell.getBoundingClientRect().width));
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
      const unit = jointUnit(name, units);
      const playhead = (u: uPlot): [number, number] => [u.valToPos(frameRef.current, "x"), 0];
      const opts: uPlot.Options = {
        title: `${name.replace(/\.pos$/, "")} (${unit})`,
        width,
        height: PLOT_HEIGHT,
        legend: { show: false },
        scales: { x: { time: false } },
        // The cursor is the playhead: only the vertical line, always at the player's frame.
        cursor: { x: true, y: false, drag: { x: false, y: false }, points: { show: false }, move: playhead },
        axes: [
          { stroke: "#8b949e", grid: { stroke: "#2a3039", width: 1 }, ticks: { show: false }, font: "10px monospace", size: 20 },
          {
            stroke: "#8b949e",
            grid: { stroke: "#2a3039", width: 1 },
            ticks: { show: false },
            font: "10px monospace",
            size: 46,
            values: (_u, vals) => vals.map((v) => `${v}${unit}`),
          },
        ],
        series: [
          {},
          { label: "state", stroke: STATE_COLOR, width: 1.5, points: { show: false } },
          { label: "action", stroke: ACTION_COLOR, width: 1, dash: [4, 3], points: { show: false } },
        ],
        hooks: {
          // uPlot lays itself out in a microtask: the first cursor position waits for it.
          ready: [(u) => u.setCursor({ left: u.valToPos(frameRef.current, "x"), top: 0 })],
          drawClear: [(u) => drawAnnotations(u, annotationsRef.current)],
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
      p.over.addEventListener("click", (ev) => {
        const f = Math.round(p.posToVal(ev.offsetX, "x"));
        if (Number.isFinite(f)) seekRef.current(Math.max(0, Math.min(data.rows - 1, f)));
      });
      out.push(p);
    });
    plots.current = out;
    const resize = new ResizeObserver(() =>
      out.forEach((p) => p.root.parentElement && p.setSize({ width: cellWidth(p.root.parentElement), height: PLOT_HEIGHT })),
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
  }, [data, names, units]);

  // An annotation edit redraws the bands and lines (the data stays).
  useEffect(() => {
    for (const p of plots.current) p.redraw(false);
  }, [annotations]);

  // The shared cursor follows the player's frame.
  useEffect(() => {
    const id = requestAnimationFrame(() => {
      for (const p of plots.current) p.setCursor({ left: p.valToPos(frame, "x"), top: 0 });
    });
    return () => cancelAnimationFrame(id);
  }, [frame, data]);

  return (
    <div className="episode-plots-box">
      <div className="plot-legend small" data-testid="plot-legend">
        <span className="legend-state">observation.state</span>
        <span className="legend-action">action</span>
        {annotations && annotations.spans.length + annotations.events.length > 0 && (
          <span className="muted">bands: subtask spans · lines: events</span>
        )}
        {annotations?.interventions && annotations.interventions.length > 0 && (
          <span className="legend-corrected" data-testid="plot-corrected">
            red strip: corrected by a person ({annotations.interventions.reduce((n, x) => n + x.endFrame - x.startFrame, 0)} rows)
          </span>
        )}
      </div>
      <div
        className="episode-plots"
        ref={host}
        data-testid="episode-plots"
        aria-label="Joint plots: state (solid blue) and action (dashed amber)"
      >
        {/* uPlot charts are appended here */}
      </div>
    </div>
  );
}
