// The clerk's review in the UI (issue 15): how a header's mapping shows in
// its select, and the request page's list of mappings and corrections.
import { afterEach, describe, expect, it } from "vitest";
import { setLanguage, t } from "./i18n";
import { reviewView } from "./review-view";
import type { FileSummary } from "./backend";
import { BY_CONTRACT, IGNORE, mappingPanel, mappingTarget, mappingValue, needsMapping, type ReviewActions } from "./screens/load-review";

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

describe("the column mapping panel", () => {
  const summary: FileSummary = {
    fileId: 1, name: "export.csv", sheet: null, dataset: "welfare_patients", period: "2026-11", status: "valid",
    rows: 3, validRows: 3, invalidRows: 0, warnings: 0, errors: 0, codes: [],
    columns: [
      { header: "ת.ז.", column: "citizen_id", index: 0, mapped: false, remembered: false },
      { header: "שם ראשון", column: "first_name", index: 1, mapped: true, remembered: true },
      { header: "הערות", column: null, index: 2, mapped: true, remembered: true },
      { header: "מצב", column: "welfare_status", index: 3, mapped: true, remembered: false },
    ],
    fileIssues: [], submitBlock: null, contractColumns: ["citizen_id", "first_name", "welfare_status"],
    corrections: [], correctionsTotal: 0, replacements: [],
  };
  const actions: ReviewActions = { setMapping: () => {}, correctCell: () => {}, replaceInColumn: () => {}, clearCorrections: () => {} };
  it("says on its closed summary how many headers a remembered mapping mapped, in both languages", () => {
    for (const language of ["en", "he"] as const) {
      setLanguage(language);
      const panel = mappingPanel(summary, actions) as HTMLDetailsElement;
      expect(panel.open).toBe(false);
      const badge = panel.querySelector("summary [data-testid=mapping-remembered]");
      expect(badge?.textContent).toBe(t("load.mapRemembered", { count: 2 }));
      expect(badge?.textContent).toContain("2");
      expect((panel.querySelector("[data-testid=remember-1]") as HTMLInputElement).checked).toBe(true);
      expect((panel.querySelector("[data-testid=remember-3]") as HTMLInputElement).checked).toBe(false);
    }
  });
  it("shows no such badge when nothing was remembered", () => {
    const plain = { ...summary, columns: summary.columns.map((c) => ({ ...c, remembered: false })) };
    expect(mappingPanel(plain, actions).querySelector("[data-testid=mapping-remembered]")).toBeNull();
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
