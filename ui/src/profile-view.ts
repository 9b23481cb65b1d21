// The profile of a load and its drift (issue 15): tables and a small chart
// made from what the core computed (`Profile`, `ProfileComparison`; the core
// decides which columns drifted and why, this file only shows it).
import { barChart, type Datum } from "./charts";
import { h } from "./dom";
import { formatNumber, formatPercent, language, t } from "./i18n";
import type { ColumnDrift } from "./bindings/ColumnDrift";
import type { ColumnProfile } from "./bindings/ColumnProfile";
import type { Drift } from "./bindings/Drift";
import type { DriftReason } from "./bindings/DriftReason";
import type { Profile } from "./bindings/Profile";
import type { ProfileComparison } from "./bindings/ProfileComparison";
import type { ValueCount } from "./bindings/ValueCount";
import type { ValueRange } from "./bindings/ValueRange";

/** How many most frequent values a table cell shows. */
const TOP_SHOWN = 5;

/** `min – max` of a range; numbers in the user's locale, dates as written (ISO). */
export function rangeText(range: ValueRange | null): string {
  if (!range) return "";
  if (range.kind === "number") return `${formatNumber(range.min)} – ${formatNumber(range.max)}`;
  return `${range.min} – ${range.max}`;
}

/** The distinct count, marked as an estimate when it is one. */
export function distinctText(column: Pick<ColumnProfile, "distinct" | "distinctExact">): string {
  return column.distinctExact ? formatNumber(column.distinct) : t("profile.about", { count: column.distinct });
}

/** `value (count), …` for the first `shown` values. */
export function valuesText(values: readonly ValueCount[], shown = TOP_SHOWN): string {
  const listed = values.slice(0, shown).map((v) => `${v.value} (${formatNumber(v.count)})`);
  if (values.length > shown) listed.push("…");
  return listed.join(", ");
}

/** The share of a column's cells that are empty. */
export function emptyShare(column: Pick<ColumnProfile, "filled" | "empty">): number {
  const cells = column.filled + column.empty;
  return cells === 0 ? 0 : column.empty / cells;
}

/** The sentence for each reason a column drifted. */
export function reasonText(reason: DriftReason): string {
  return t(`drift.reason.${reason}`);
}

/** One line of the drift table, as shown. */
export interface DriftRow {
  name: string;
  flagged: boolean;
  reasons: string[];
  empty: string;
  previousEmpty: string;
  distinct: string;
  previousDistinct: string;
  range: string;
  previousRange: string;
  newValues: string;
}

/** The drift table's lines, flagged columns first (then in column order). */
export function driftRows(drift: Drift): DriftRow[] {
  const rows = drift.columns.map(
    (c: ColumnDrift): DriftRow => ({
      name: c.name,
      flagged: c.reasons.length > 0,
      reasons: c.reasons.map(reasonText),
      empty: formatPercent(c.emptyShare),
      previousEmpty: c.previousEmptyShare === null ? "" : formatPercent(c.previousEmptyShare),
      distinct: formatNumber(c.distinct),
      previousDistinct: c.previousDistinct === null ? "" : formatNumber(c.previousDistinct),
      range: rangeText(c.range),
      previousRange: rangeText(c.previousRange),
      newValues:
        c.newValueCount > c.newValues.length
          ? `${valuesText(c.newValues)} ${t("drift.moreNew", { count: c.newValueCount })}`
          : valuesText(c.newValues),
    }),
  );
  return [...rows.filter((r) => r.flagged), ...rows.filter((r) => !r.flagged)];
}

/** Chart data: each column's share of empty cells now and in the baseline
 * (in percent), flagged columns drawn as errors. */
export function emptyShareData(drift: Drift): Datum[] {
  const data: Datum[] = [];
  for (const c of drift.columns) {
    const flagged = c.reasons.includes("empty_share");
    data.push({ label: c.name, value: Math.round(c.emptyShare * 1000) / 10, className: flagged ? "drift" : "now" });
    if (c.previousEmptyShare !== null) {
      data.push({ label: t("drift.baselineBar"), value: Math.round(c.previousEmptyShare * 1000) / 10, className: "baseline" });
    }
  }
  return data;
}

/** The profile of one file: one line per column. */
export function profileTable(profile: Profile): HTMLElement {
  const head = ["profile.column", "profile.type", "profile.filled", "profile.empty", "profile.invalid", "profile.distinct", "profile.range", "profile.top"] as const;
  return h(
    "table",
    { class: "table compact profile-table", "aria-label": t("profile.title"), "data-testid": "profile-table" },
    h("thead", null, h("tr", null, ...head.map((key) => h("th", { scope: "col" }, t(key))))),
    h(
      "tbody",
      null,
      ...profile.columns.map((c) =>
        h(
          "tr",
          { class: c.present ? null : "muted", "data-column": c.name },
          h("td", { dir: "ltr" }, c.name, c.coded ? h("span", { class: "chip", title: t("profile.codedHint") }, t("profile.coded")) : null),
          h("td", { dir: "ltr" }, c.type),
          h("td", null, formatNumber(c.filled)),
          h("td", null, `${formatNumber(c.empty)} (${formatPercent(emptyShare(c))})`),
          h("td", null, formatNumber(c.invalid)),
          h("td", null, distinctText(c)),
          h("td", { dir: "ltr" }, rangeText(c.range)),
          h("td", { dir: "auto" }, c.present ? valuesText(c.top) : t("profile.absent")),
        ),
      ),
    ),
  );
}

/** A request's profile beside its baseline's: the drift table with flagged
 * columns highlighted, and a chart of empty cells. */
export function driftView(comparison: ProfileComparison): HTMLElement {
  const { profile, baseline, drift } = comparison;
  if (!profile) return h("p", { class: "muted", "data-testid": "drift-none" }, t("drift.noProfile"));
  if (!baseline) {
    return h("div", { class: "drift" }, h("p", { class: "muted", "data-testid": "drift-none" }, t("drift.noBaseline")), profileTable(profile));
  }
  const against = t("drift.against", { period: baseline.period, version: baseline.version });
  if (!drift) {
    return h("div", { class: "drift" }, h("p", { class: "muted", "data-testid": "drift-none" }, against, " ", t("drift.baselineWithoutProfile")), profileTable(profile));
  }
  const rows = driftRows(drift);
  const summary = drift.flagged.length
    ? h("p", { class: "alert warn", "data-testid": "drift-flagged" }, t("drift.flagged", { count: drift.flagged.length }), " ", ...drift.flagged.map((name) => h("code", { class: "chip", dir: "ltr" }, name)))
    : h("p", { class: "muted", "data-testid": "drift-flagged" }, t("drift.none"));
  const head = ["profile.column", "drift.reasons", "drift.empty", "drift.distinct", "profile.range", "drift.newValues"] as const;
  const pair = (now: string, before: string): HTMLElement => h("td", { dir: "auto" }, now, before ? h("span", { class: "muted" }, ` (${before})`) : null);
  const table = h(
    "table",
    { class: "table compact drift-table", "aria-label": t("drift.title"), "data-testid": "drift-table" },
    h("thead", null, h("tr", null, ...head.map((key) => h("th", { scope: "col" }, t(key))))),
    h(
      "tbody",
      null,
      ...rows.map((r) =>
        h(
          "tr",
          { class: r.flagged ? "drifted" : null, "data-column": r.name, "data-flagged": r.flagged ? "true" : "false" },
          h("td", { dir: "ltr" }, r.name),
          h("td", null, r.reasons.join("; ")),
          pair(r.empty, r.previousEmpty),
          pair(r.distinct, r.previousDistinct),
          pair(r.range, r.previousRange),
          h("td", { dir: "auto" }, r.newValues),
        ),
      ),
    ),
  );
  const chart = barChart(emptyShareData(drift), {
    title: t("drift.chartTitle"),
    format: (v) => `${formatNumber(v)}%`,
    rtl: language() === "he",
    barHeight: 14,
  });
  return h(
    "div",
    { class: "drift" },
    h("p", { class: "muted" }, against, " ", t("drift.legend")),
    summary,
    table,
    h("div", { class: "card chart-card" }, h("h4", null, t("drift.chartTitle")), chart),
  );
}

/** The Load screen's profile panel: a closed `<details>` that asks for the
 * profile the first time it is opened. */
export function profileDetails(load: () => Promise<Profile | null>, onError: (error: unknown) => void): HTMLElement {
  const body = h("div", { class: "profile-body" });
  const details = h("details", { class: "mapping profile", "data-testid": "profile" }, h("summary", null, t("profile.title")), body);
  let asked = false;
  details.addEventListener("toggle", () => {
    if (!details.open || asked) return;
    asked = true;
    load().then(
      (profile) => body.replaceChildren(profile ? profileTable(profile) : h("p", { class: "muted" }, t("profile.pending"))),
      (error: unknown) => {
        asked = false;
        onError(error);
      },
    );
  });
  return details;
}
