import { describe, expect, it } from "vitest";
import { formatDateTime } from "./format.ts";

describe("formatDateTime", () => {
  it("is ISO-like in local time, zero-padded", () => {
    expect(formatDateTime(new Date(2026, 11, 1, 14, 3).getTime())).toBe("2026-12-01 14:03");
    expect(formatDateTime(new Date(2027, 0, 9, 7, 5).getTime())).toBe("2027-01-09 07:05");
  });
  it("shows a dash for a date that is not one", () => {
    expect(formatDateTime(Number.NaN)).toBe("—");
  });
});
