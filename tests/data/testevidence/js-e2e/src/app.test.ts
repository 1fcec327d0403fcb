import { describe, it, expect } from "vitest";
import { greet } from "./app";

describe("greet", () => {
  it("greets by name", () => {
    expect(greet("ada")).toBe("hello ada");
  });
  it.skip("handles a timeout error from the server", () => {});
});
