/** Property tests: zip write → read round trip, stats aggregation = stats of the whole. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryFiles, ZipFiles } from "./import/files.ts";
import { ZipSink } from "./sinks.ts";
import { aggregateStats, vectorStats } from "./stats.ts";

describe("properties", () => {
  it("any set of files written through ZipSink reads back identically with ZipFiles", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .uniqueArray(fc.tuple(fc.stringMatching(/^[a-z0-9_.-]{1,12}(\/[a-z0-9_.-]{1,12}){0,3}$/), fc.uint8Array({ maxLength: 3000 })), {
            selector: (t) => t[0],
            minLength: 1,
            maxLength: 8,
          })
          // a path cannot be both a file and a folder
          .filter((files) => !files.some(([a]) => files.some(([b]) => b.startsWith(`${a}/`)))),
        async (files) => {
          const sink = new ZipSink();
          const bytes = new Response(sink.stream).arrayBuffer();
          for (const [p, d] of files) await sink.writeFile(p, d);
          sink.close();
          const zip = await ZipFiles.open(new Blob([await bytes]));
          const mem = new MemoryFiles(new Map(files));
          expect(zip.paths).toEqual(mem.paths);
          for (const [p, d] of files) expect(new Uint8Array(await (await zip.blob(p)).arrayBuffer())).toEqual(d);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("aggregating per-episode stats gives the whole dataset's min, max, mean, std and count", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }), { minLength: 2, maxLength: 40 }), {
          minLength: 1,
          maxLength: 6,
        }),
        (episodes) => {
          const width = 2;
          const eps = episodes.map((e) => (e.length % 2 === 0 ? e : e.slice(1))).filter((e) => e.length >= 2);
          fc.pre(eps.length > 0);
          const agg = aggregateStats(eps.map((e) => vectorStats(Float64Array.from(e), width)));
          const whole = vectorStats(Float64Array.from(eps.flat()), width);
          expect(agg.count).toBe(whole.count);
          for (let j = 0; j < width; j++) {
            expect(agg.values.min[j]).toBe(whole.values.min[j]);
            expect(agg.values.max[j]).toBe(whole.values.max[j]);
            expect(agg.values.mean[j]).toBeCloseTo(whole.values.mean[j]!, 6);
            expect(agg.values.std[j]).toBeCloseTo(whole.values.std[j]!, 4);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("quantiles match numpy's linear interpolation on a known case", () => {
    const s = vectorStats(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 1);
    // numpy.quantile(range(1, 11), [0.01, 0.1, 0.5, 0.9, 0.99]) = 1.09, 1.9, 5.5, 9.1, 9.91
    expect(s.values.q01[0]).toBeCloseTo(1.09, 10);
    expect(s.values.q10[0]).toBeCloseTo(1.9, 10);
    expect(s.values.q50[0]).toBeCloseTo(5.5, 10);
    expect(s.values.q90[0]).toBeCloseTo(9.1, 10);
    expect(s.values.q99[0]).toBeCloseTo(9.91, 10);
    expect(s.values.std[0]).toBeCloseTo(Math.sqrt(8.25), 10);
  });
});
