import { describe, expect, it } from "vitest";
import { StorageError, toStorageError } from "./errors.ts";

describe("toStorageError", () => {
  it.each([
    ["QuotaExceededError", "quota", /storage for this site is full\. Free space by deleting old data, then try again\./],
    ["InvalidStateError", "unavailable", /connection to the browser's storage is closed.*Reload the page/],
    ["VersionError", "unavailable", /newer version of the studio\. Reload the page/],
    ["SecurityError", "unavailable", /does not allow this site to store data/],
    ["DataCloneError", "invalid", /could not be stored/],
    ["UnknownError", "unknown", /could not read or write.*check that the disk has free space/],
    ["AbortError", "unknown", /reported an error/],
  ] as const)("maps DOMException %s to '%s'", (name, code, message) => {
    const cause = new DOMException("browser detail", name);
    const error = toStorageError(cause, "save the robot profile");
    expect(error).toBeInstanceOf(StorageError);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(/^Could not save the robot profile\. /);
    expect(error.message).toMatch(message);
    expect(error.cause).toBe(cause);
  });

  it("passes StorageErrors through and maps anything else to 'unknown'", () => {
    const original = new StorageError("quota", "full");
    expect(toStorageError(original, "x")).toBe(original);
    expect(toStorageError("weird").code).toBe("unknown");
    expect(toStorageError(new TypeError("boom")).message).toMatch(/\(boom\)/);
  });
});
