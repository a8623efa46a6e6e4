import { memo, useEffect, useMemo, useRef, useState } from "react";
import { useStore } from "zustand";
import { cutShortLabel, lostFramesLabel, type EpisodeRecord } from "../../core/dataset.ts";
import { allTags, filterEpisodes, type EpisodeSort } from "../../core/episodeFilter.ts";
import { useStudio } from "../StudioContext.tsx";
import { formatTime } from "./EpisodePlayer.tsx";

const NO_TASKS: readonly string[] = [];

function Thumbnail({ thumb }: { thumb: Blob | ArrayBuffer | undefined }) {
  const [url, setUrl] = useState<string | undefined>(undefined);
  useEffect(() => {
    if (!thumb) return;
    const u = URL.createObjectURL(thumb instanceof Blob ? thumb : new Blob([thumb], { type: "image/jpeg" }));
    setUrl(u);
    // Revoked a moment later, not at once: until the render with the new URL commits, the <img>
    // (lazy: it may not have started loading) still points at this one, and a revoked URL fails
    // to load with an error in the console.
    return () => void setTimeout(() => URL.revokeObjectURL(u), 1000);
  }, [thumb]);
  return url ? <img className="thumb" src={url} alt="" loading="lazy" /> : <div className="thumb none" aria-hidden="true" />;
}

/** A policy rollout: how much of it a person corrected. */
function Rollout({ spans, length }: { spans: readonly { startFrame: number; endFrame: number }[]; length: number }) {
  const corrected = spans.reduce((n, s) => n + s.endFrame - s.startFrame, 0);
  return (
    <span className="pill rollout-pill" data-testid="rollout-pill" title="Rows the policy acted on vs rows a person corrected">
      rollout · {length > 0 ? Math.round((100 * corrected) / length) : 0}% corrected ({spans.length})
    </span>
  );
}

const Outcome = ({ s }: { s: boolean | null }) =>
  s === true ? <span className="pill ok-pill">success</span> : s === false ? <span className="pill bad-pill">failure</span> : null;

const EpisodeItem = memo(function EpisodeItem({
  e,
  selected,
  open,
  grid,
  onClick,
  onCheck,
}: {
  e: EpisodeRecord;
  selected: boolean;
  open: boolean;
  grid: boolean;
  onClick: (e: EpisodeRecord, ev: React.MouseEvent) => void;
  onCheck: (e: EpisodeRecord, ev: React.MouseEvent) => void;
}) {
  return (
    <li
      className={`episode-item${selected ? " selected" : ""}${open ? " open" : ""}${grid ? " grid" : ""}`}
      data-testid="episode-item"
      data-episode-id={e.id}
      data-index={e.index}
      aria-selected={selected}
      onClick={(ev) => onClick(e, ev)}
    >
      <input
        type="checkbox"
        checked={selected}
        aria-label={`Select episode ${e.index}`}
        onClick={(ev) => onCheck(e, ev)}
        onChange={() => undefined}
      />
      <Thumbnail thumb={e.thumbnail} />
      <div className="episode-meta">
        <div>
          <b className="mono">#{e.index}</b> <span className="mono small">{formatTime(e.length / e.fps)}</span>{" "}
          {e.status === "interrupted" && <span className="pill warn-pill">interrupted</span>}{" "}
          {cutShortLabel(e.qa) && (
            <span className="pill warn-pill" data-testid="cut-short">
              {cutShortLabel(e.qa)}
            </span>
          )}{" "}
          {lostFramesLabel(e.qa) && (
            <span className="pill warn-pill" data-testid="lost-frames" title={e.qa.find((q) => q.kind === "frames_lost")?.message}>
              {lostFramesLabel(e.qa)}
            </span>
          )}{" "}
          <Outcome s={e.annotations.success} />
          {e.annotations.interventions && <Rollout spans={e.annotations.interventions} length={e.length} />}
          {e.qa.length > 0 && (
            <span className="pill warn-pill" title={e.qa.map((q) => q.message).join("\n")}>
              ⚑ {e.qa.length}
            </span>
          )}
        </div>
        <div className="episode-task" data-testid="episode-task">
          {e.task || <span className="muted">no task</span>}
        </div>
        {e.annotations.tags.length > 0 && (
          <div className="small">
            {e.annotations.tags.map((t) => (
              <span key={t} className="pill tag">
                {t}
              </span>
            ))}
          </div>
        )}
      </div>
    </li>
  );
});

/** The chosen dataset's episodes (metadata only): filter, sort, list/grid, multi-select and bulk edits. */
export function EpisodeBrowser() {
  const { episodes: es } = useStudio();
  const all = useStore(es, (s) => s.episodes);
  const filter = useStore(es, (s) => s.filter);
  const sort = useStore(es, (s) => s.sort);
  const view = useStore(es, (s) => s.view);
  const selection = useStore(es, (s) => s.selection);
  const openId = useStore(es, (s) => s.open?.id);
  const datasetTasks = useStore(es, (s) => s.datasets.find((d) => d.id === s.datasetId)?.tasks ?? NO_TASKS);
  const { setFilter, setSort, setView, setSelection, openEpisode, bulkSetTask, bulkAddTag, bulkDelete, bulkRestore } = es.getState();
  const shown = useMemo(() => filterEpisodes(all, filter, sort), [all, filter, sort]);
  const tags = useMemo(() => allTags(all), [all]);
  const deletedCount = useMemo(() => all.filter((e) => e.annotations.deleted === true).length, [all]);
  const anchor = useRef<number | undefined>(undefined);
  const [bulkTask, setBulkTask] = useState("");
  const [bulkTag, setBulkTag] = useState("");
  const selected = useMemo(() => new Set(selection), [selection]);
  const shownRef = useRef(shown);
  shownRef.current = shown;
  const selRef = useRef(selection);
  selRef.current = selection;

  const [onClick, onCheck] = useMemo(() => {
    const range = (e: EpisodeRecord) => {
      const list = shownRef.current;
      const i = list.findIndex((x) => x.id === e.id);
      const a = anchor.current ?? i;
      const [lo, hi] = a < i ? [a, i] : [i, a];
      return list.slice(lo, hi + 1).map((x) => x.id);
    };
    const toggle = (e: EpisodeRecord) => {
      const cur = selRef.current;
      return cur.includes(e.id) ? cur.filter((x) => x !== e.id) : [...cur, e.id];
    };
    const click = (e: EpisodeRecord, ev: React.MouseEvent) => {
      if (ev.shiftKey) setSelection([...new Set([...selRef.current, ...range(e)])]);
      else if (ev.ctrlKey || ev.metaKey) setSelection(toggle(e));
      // A plain click opens the episode; it does not tick its checkbox (nor arm the bulk Delete).
      else void openEpisode(e.id);
      if (!ev.shiftKey) anchor.current = shownRef.current.findIndex((x) => x.id === e.id);
    };
    const check = (e: EpisodeRecord, ev: React.MouseEvent) => {
      ev.stopPropagation();
      if (ev.shiftKey) setSelection([...new Set([...selRef.current, ...range(e)])]);
      else setSelection(toggle(e));
      if (!ev.shiftKey) anchor.current = shownRef.current.findIndex((x) => x.id === e.id);
    };
    return [click, check];
  }, [openEpisode, setSelection]);

  const stop = (e: React.KeyboardEvent) => e.stopPropagation();
  return (
    <section className="episode-browser" data-testid="episode-browser" data-count={shown.length}>
      <div className="row browser-filters">
        <input
          type="search"
          placeholder="Filter: task, tag, span text, number"
          aria-label="Filter episodes"
          value={filter.text}
          onKeyDown={stop}
          onChange={(e) => setFilter({ text: e.target.value })}
        />
        <select aria-label="Tag filter" value={filter.tag} onChange={(e) => setFilter({ tag: e.target.value })}>
          <option value="">any tag</option>
          {tags.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <select
          aria-label="Status filter"
          value={filter.status}
          onChange={(e) => setFilter({ status: e.target.value as typeof filter.status })}
        >
          <option value="all">all</option>
          <option value="complete">complete</option>
          <option value="interrupted">interrupted</option>
          <option value="success">success</option>
          <option value="failure">failure</option>
          <option value="unrated">not rated</option>
        </select>
        <label className="small">
          <input type="checkbox" checked={filter.flaggedOnly} onChange={(e) => setFilter({ flaggedOnly: e.target.checked })} /> flagged
        </label>
        <label className="small">
          <input type="checkbox" checked={filter.deleted} onChange={(e) => setFilter({ deleted: e.target.checked })} /> deleted (
          {deletedCount})
        </label>
        <select aria-label="Sort" value={sort} onChange={(e) => setSort(e.target.value as EpisodeSort)}>
          <option value="index">number ↑</option>
          <option value="-index">number ↓</option>
          <option value="-duration">longest</option>
          <option value="duration">shortest</option>
          <option value="task">task</option>
          <option value="-recorded">newest</option>
          <option value="recorded">oldest</option>
        </select>
        <button onClick={() => setView(view === "list" ? "grid" : "list")} aria-label={view === "list" ? "Grid view" : "List view"}>
          {view === "list" ? "▦ grid" : "☰ list"}
        </button>
      </div>
      <div className="row bulk-bar" data-testid="bulk-bar">
        <label className="small">
          <input
            type="checkbox"
            aria-label="Select all shown"
            checked={shown.length > 0 && shown.every((e) => selected.has(e.id))}
            onChange={(e) => setSelection(e.target.checked ? shown.map((x) => x.id) : [])}
          />{" "}
          {selection.length} selected of {shown.length}
        </label>
        {selection.length > 0 && (
          <>
            <input
              list="bulk-task-library"
              value={bulkTask}
              onKeyDown={stop}
              onChange={(e) => setBulkTask(e.target.value)}
              placeholder="task for the selected"
              aria-label="Bulk task"
            />
            <datalist id="bulk-task-library">
              {datasetTasks.map((t) => (
                <option key={t} value={t} />
              ))}
            </datalist>
            <button disabled={!bulkTask.trim()} onClick={() => void bulkSetTask(selection, bulkTask)}>
              Set task
            </button>
            <input value={bulkTag} onKeyDown={stop} onChange={(e) => setBulkTag(e.target.value)} placeholder="tag" aria-label="Bulk tag" />
            <button
              disabled={!bulkTag.trim()}
              onClick={() => {
                void bulkAddTag(selection, bulkTag);
                setBulkTag("");
              }}
            >
              Add tag
            </button>
            {filter.deleted ? (
              <button onClick={() => void bulkRestore(selection)}>Restore</button>
            ) : (
              <button className="danger" onClick={() => void bulkDelete(selection)}>
                Delete
              </button>
            )}
          </>
        )}
      </div>
      <ul className={`episode-list ${view}`} data-testid="episode-list" data-ready="true">
        {shown.map((e) => (
          <EpisodeItem
            key={e.id}
            e={e}
            selected={selected.has(e.id)}
            open={openId === e.id}
            grid={view === "grid"}
            onClick={onClick}
            onCheck={onCheck}
          />
        ))}
      </ul>
      {shown.length === 0 && (
        <p className="muted">
          {all.length === 0 ? "No episodes yet: record some on the Record screen." : "No episode matches the filter."}
        </p>
      )}
    </section>
  );
}
