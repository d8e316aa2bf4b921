import { expect, it } from "vitest";
import { VERSION_PLACEHOLDER } from "./index.js";
it("loads", () => expect(VERSION_PLACEHOLDER).toBe(0));
