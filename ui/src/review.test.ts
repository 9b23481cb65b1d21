// The clerk's review in the UI (issue 15): how a header's mapping shows in
// its select, and the request page's list of mappings and corrections.
import { afterEach, describe, expect, it } from "vitest";
import { setLanguage, t } from "./i18n";
import { reviewView } from "./review-view";
import { BY_CONTRACT, IGNORE, mappingTarget, mappingValue, needsMapping } from "./screens/load-review";

afterEach(() => setLanguage("he"));

describe("column mapping values", () => {
  it("shows a contract column, an ignored header and an unmapped one apart", () => {
    expect(mappingValue({ header: "שם", column: "first_name", index: 1, mapped: true, remembered: false })).toBe("first_name");
    expect(mappingValue({ header: "הערות", column: null, index: 2, mapped: true, remembered: true })).toBe(IGNORE);
    expect(mappingValue({ header: "x", column: null, index: 3, mapped: false, remembered: false })).toBe(BY_CONTRACT);
    expect(needsMapping({ header: "x", column: null, index: 3, mapped: false, remembered: false })).toBe(true);
    expect(needsMapping({ header: "הערות", column: null, index: 2, mapped: true, remembered: false })).toBe(false);
  });
  it("turns a choice into the column sent: a name, null to ignore, nothing for no choice", () => {
    expect(mappingTarget("first_name")).toBe("first_name");
    expect(mappingTarget(IGNORE)).toBeNull();
    expect(mappingTarget(BY_CONTRACT)).toBeUndefined();
  });
});

describe("a request's mappings and corrections", () => {
  it("says when the file loads as it arrived", () => {
    setLanguage("en");
    const el = reviewView({ mappings: [], corrections: [], correctionsTotal: 0 });
    expect(el.textContent).toBe(t("approvals.reviewNone"));
  });
  it("lists each mapping and correction with who made it, and how many are not shown", () => {
    setLanguage("en");
    const el = reviewView({
      mappings: [
        { header: "שם ראשון", column: "first_name", remembered: true, recordedBy: "clerk", recordedAt: "2026-11-30T08:00:00Z" },
        { header: "הערות", column: null, remembered: false, recordedBy: "clerk", recordedAt: "2026-11-30T08:00:00Z" },
      ],
      corrections: [{ row: 3, column: "welfare_status", oldValue: "זמני", newValue: "פעיל", kind: "cell", madeBy: "clerk", madeAt: "2026-11-30T08:01:00Z" }],
      correctionsTotal: 4,
    });
    const mappings = el.querySelector("[data-testid=review-mappings]")?.textContent ?? "";
    expect(mappings).toContain("first_name");
    expect(mappings).toContain(t("load.mapIgnore"));
    expect(mappings).toContain(t("approvals.remembered"));
    const row = el.querySelector("[data-testid=review-correction-3-welfare_status]")?.textContent ?? "";
    expect(row).toContain("זמני");
    expect(row).toContain("פעיל");
    expect(row).toContain("clerk");
    expect(el.textContent).toContain(t("load.correctionsMore", { shown: "1", count: "4" }));
  });
});
