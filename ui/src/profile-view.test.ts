// The profile and drift views (issue 15): what the supervisor sees of a
// drift the core computed, in both languages.
import { beforeEach, describe, expect, it } from "vitest";
import type { ColumnDrift } from "./bindings/ColumnDrift";
import type { ColumnProfile } from "./bindings/ColumnProfile";
import type { Profile } from "./bindings/Profile";
import type { ProfileComparison } from "./bindings/ProfileComparison";
import { setLanguage } from "./i18n";
import { distinctText, driftRows, driftView, emptyShareData, profileDetails, profileTable, rangeText, valuesText } from "./profile-view";

function column(name: string, overrides: Partial<ColumnProfile> = {}): ColumnProfile {
  return {
    name, type: "text", present: true, filled: 90, empty: 10, invalid: 0, distinct: 2, distinctExact: true, range: null,
    top: [{ value: "a", count: 60 }, { value: "b", count: 30 }], coded: true, values: [{ value: "a", count: 60 }, { value: "b", count: 30 }],
    ...overrides,
  };
}

function drifted(name: string, overrides: Partial<ColumnDrift> = {}): ColumnDrift {
  return {
    name, emptyShare: 0.1, previousEmptyShare: 0.1, distinct: 2, previousDistinct: 2, range: null, previousRange: null, newValues: [], newValueCount: 0, reasons: [],
    ...overrides,
  };
}

const PROFILE: Profile = {
  dataset: "welfare_patients",
  rows: 100,
  columns: [
    column("status"),
    column("born", { type: "date", coded: false, values: [], range: { kind: "date", min: "1950-01-01", max: "1990-12-31" } }),
    column("citizen_id", { type: "israeli_id", coded: false, values: [], top: [], distinct: 12345, distinctExact: false }),
    column("phone_3", { present: false, filled: 0, empty: 100, distinct: 0, top: [], values: [] }),
  ],
};

function comparison(columns: ColumnDrift[]): ProfileComparison {
  return {
    requestId: 8,
    profile: PROFILE,
    baseline: { period: "2026-10", version: 3, requestId: 5, profile: PROFILE },
    drift: { columns, flagged: columns.filter((c) => c.reasons.length > 0).map((c) => c.name) },
  };
}

describe("profile view", () => {
  beforeEach(() => setLanguage("en"));

  it("writes ranges, estimates and values as the user reads them", () => {
    expect(rangeText({ kind: "number", min: -2.5, max: 1200 })).toBe("-2.5 – 1,200");
    expect(rangeText({ kind: "date", min: "2026-01-01", max: "2026-01-31" })).toBe("2026-01-01 – 2026-01-31");
    expect(rangeText(null)).toBe("");
    expect(distinctText({ distinct: 12345, distinctExact: false })).toBe("about 12,345");
    expect(distinctText({ distinct: 7, distinctExact: true })).toBe("7");
    const many = [1, 2, 3, 4, 5, 6].map((n) => ({ value: `v${n}`, count: 10 - n }));
    expect(valuesText(many)).toBe("v1 (9), v2 (8), v3 (7), v4 (6), v5 (5), …");
  });

  it("tables every column of a profile, the absent one said so", () => {
    const table = profileTable(PROFILE);
    const rows = [...table.querySelectorAll("tbody tr")];
    expect(rows.map((r) => r.getAttribute("data-column"))).toEqual(["status", "born", "citizen_id", "phone_3"]);
    expect(rows[0]?.textContent).toContain("a (60), b (30)");
    expect(rows[0]?.textContent).toContain("coded");
    expect(rows[1]?.textContent).toContain("1950-01-01 – 1990-12-31");
    expect(rows[2]?.textContent).toContain("about 12,345");
    expect(rows[3]?.classList.contains("muted")).toBe(true);
    expect(rows[3]?.textContent).toContain("No header of the file maps to this column.");
  });

  it("puts drifted columns first, with their reasons and new values", () => {
    const rows = driftRows({
      columns: [
        drifted("born"),
        drifted("status", { reasons: ["new_values"], newValues: [{ value: "c", count: 4 }], newValueCount: 25, distinct: 3 }),
        drifted("phone_2", { reasons: ["empty_share"], emptyShare: 0.5, previousEmptyShare: 0.1 }),
      ],
      flagged: ["status", "phone_2"],
    });
    expect(rows.map((r) => [r.name, r.flagged])).toEqual([["status", true], ["phone_2", true], ["born", false]]);
    expect(rows[0]?.reasons).toEqual(["new values"]);
    expect(rows[0]?.newValues).toBe("c (4) (25 new in all)");
    expect([rows[1]?.empty, rows[1]?.previousEmpty]).toEqual(["50%", "10%"]);
  });

  it("highlights the drifted columns and charts empty cells against the active version", () => {
    const view = driftView(
      comparison([drifted("status"), drifted("phone_2", { reasons: ["empty_share", "distinct"], emptyShare: 0.4, previousEmptyShare: 0.05 })]),
    );
    expect(view.querySelector("[data-testid=drift-flagged]")?.textContent).toContain("Columns that drifted (1):");
    const flagged = [...view.querySelectorAll("tr.drifted")].map((r) => r.getAttribute("data-column"));
    expect(flagged).toEqual(["phone_2"]);
    expect(view.querySelector("tr.drifted")?.textContent).toContain("share of empty cells moved; number of distinct values moved");
    expect(view.textContent).toContain("Compared with 2026-10, version 3.");
    const bars = [...view.querySelectorAll("svg rect.chart-bar")].map((b) => b.getAttribute("class"));
    expect(bars).toEqual(["chart-bar now", "chart-bar baseline", "chart-bar drift", "chart-bar baseline"]);
    expect(emptyShareData({ columns: [drifted("x", { emptyShare: 0.123, previousEmptyShare: null })], flagged: [] })).toEqual([
      { label: "x", value: 12.3, className: "now" },
    ]);
  });

  it("says why there is nothing to compare", () => {
    const first = driftView({ ...comparison([]), baseline: null, drift: null });
    expect(first.querySelector("[data-testid=drift-none]")?.textContent).toBe("No active version to compare with; the profile of this file:");
    expect(first.querySelector("[data-testid=profile-table]")).not.toBeNull();
    const old = driftView({ ...comparison([]), profile: null, drift: null });
    expect(old.textContent).toBe("This request was submitted before profiles were kept.");
    const unprofiledBaseline = driftView({ ...comparison([]), drift: null });
    expect(unprofiledBaseline.textContent).toContain("That version was loaded before profiles were kept");
  });

  it("speaks Hebrew", () => {
    setLanguage("he");
    const view = driftView(comparison([drifted("status", { reasons: ["new_values"], newValues: [{ value: "ממתין", count: 10 }], newValueCount: 1 })]));
    expect(view.querySelector("tr.drifted")?.textContent).toContain("ערכים חדשים");
    expect(view.textContent).toContain("בהשוואה ל־2026-10, גרסה 3.");
  });

  it("asks for a file's profile once, when the panel is first opened", async () => {
    let asked = 0;
    const panel = profileDetails(async () => {
      asked += 1;
      return asked === 1 ? null : PROFILE;
    }, () => undefined) as HTMLDetailsElement;
    expect(asked).toBe(0);
    panel.open = true;
    panel.dispatchEvent(new Event("toggle"));
    await new Promise((r) => setTimeout(r, 0));
    expect(asked).toBe(1);
    expect(panel.textContent).toContain("The profile shows when validation ends.");
    panel.dispatchEvent(new Event("toggle"));
    expect(asked).toBe(1);
  });
});
