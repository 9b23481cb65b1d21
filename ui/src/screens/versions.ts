// Versions: datasets × periods calendar; a cell opens the period's versions
// with a row-count chart and (for supervisors) rollback.
import { lineChart } from "../charts";
import { isOnline, isSupervisor, type AppContext, type Screen } from "../context";
import { h, mount, select } from "../dom";
import { formatDateTime, formatNumber, language, t, translateError } from "../i18n";
import type { VersionsCalendar } from "../backend";
import type { CalendarCell } from "../bindings/CalendarCell";
import { confirmDialog, errorBox, loading, screenHead, table } from "./common";
import { DatasetTitles, titleIn } from "../titles";

/** Cell lookup "dataset|period" → cell. */
export function cellIndex(calendar: VersionsCalendar): Map<string, CalendarCell> {
  return new Map(calendar.cells.map((c) => [`${c.dataset}|${c.period}`, c]));
}

/** Row counts of one dataset over the calendar's periods (loaded ones only). */
export function rowSeries(calendar: VersionsCalendar, dataset: string): { label: string; value: number }[] {
  const index = cellIndex(calendar);
  return calendar.periods.flatMap((period) => {
    const cell = index.get(`${dataset}|${period}`);
    return cell && cell.version !== null && cell.rows !== null ? [{ label: period, value: cell.rows }] : [];
  });
}

export function versionsScreen(ctx: AppContext): Screen {
  let months = 12;
  let calendar: VersionsCalendar | null = null;
  const calendarBox = h("div", { class: "calendar-wrap" });
  const detail = h("div", { class: "versions-detail" });
  const monthsSelect = select(
    { class: "input small", "aria-label": t("versions.months") },
    [["6", t("versions.lastMonths", { count: 6 })], ["12", t("versions.lastMonths", { count: 12 })], ["24", t("versions.lastMonths", { count: 24 })], ["36", t("versions.lastMonths", { count: 36 })]],
    String(months),
  );
  monthsSelect.addEventListener("change", () => {
    months = Number(monthsSelect.value);
    void load();
  });
  const el = h("section", { class: "screen versions", "aria-labelledby": "versions-title" }, screenHead("versions-title", t("nav.versions"), monthsSelect), calendarBox, detail);

  async function load(): Promise<void> {
    if (!isOnline(ctx)) {
      mount(calendarBox, h("p", { class: "empty-state" }, t("common.needsDatabase")));
      return;
    }
    mount(calendarBox, loading());
    try {
      calendar = await ctx.backend.versionsCalendar(months);
      renderCalendar(calendar);
    } catch (error) {
      mount(calendarBox, errorBox(error));
    }
  }

  /** Dataset titles in the user's language, from the calendar. */
  function titlesOf(): DatasetTitles {
    return new DatasetTitles(calendar?.datasets ?? []);
  }

  function renderCalendar(cal: VersionsCalendar): void {
    const index = cellIndex(cal);
    const head = h("tr", null, h("th", { scope: "col" }, t("common.dataset")), ...cal.periods.map((p) => h("th", { scope: "col", dir: "ltr" }, p)));
    const rows = cal.datasets.map((d) =>
      h(
        "tr",
        null,
        h("th", { scope: "row", title: d.dataset }, titleIn(d, language())),
        ...cal.periods.map((p) => {
          const cell = index.get(`${d.dataset}|${p}`);
          const loaded = cell !== undefined && cell.version !== null;
          const name = titleIn(d, language());
          const label = loaded ? t("versions.cellLoaded", { dataset: name, period: p, version: cell.version, rows: cell.rows ?? 0 }) : t("versions.cellMissing", { dataset: name, period: p });
          return h(
            "td",
            null,
            h(
              "button",
              {
                type: "button",
                class: loaded ? "cal-cell loaded" : "cal-cell missing",
                "aria-label": label,
                title: label,
                "data-testid": `cell-${d.dataset}-${p}`,
                onclick: () => void showVersions(d.dataset, p),
              },
              loaded ? `v${cell.version}` : "—",
              loaded && cell.rows !== null ? h("span", { class: "small" }, formatNumber(cell.rows)) : null,
            ),
          );
        }),
      ),
    );
    mount(
      calendarBox,
      cal.datasets.length
        ? h("div", { class: "scroll-x" }, h("table", { class: "calendar", "aria-label": t("versions.calendar") }, h("thead", null, head), h("tbody", null, ...rows)))
        : h("p", { class: "empty-state" }, t("versions.empty")),
      h("p", { class: "legend muted small" }, h("span", { class: "swatch loaded" }), t("versions.loaded"), " ", h("span", { class: "swatch missing" }), t("versions.missing")),
    );
  }

  async function showVersions(dataset: string, period: string): Promise<void> {
    mount(detail, loading());
    try {
      const versions = await ctx.backend.listVersions(dataset, period);
      const supervisor = isSupervisor(ctx) && isOnline(ctx);
      const rows = versions.map((v) =>
        h(
          "tr",
          { "data-testid": `version-row-${v.version}`, class: v.active ? "active" : "" },
          h("td", { class: "num" }, `v${v.version}`),
          h("td", null, v.active ? h("span", { class: "badge ok" }, t("versions.active")) : ""),
          h("td", { class: "num" }, formatNumber(v.rows)),
          h("td", null, v.submittedBy),
          h("td", null, v.approvedBy ?? ""),
          h("td", null, formatDateTime(v.activatedAt ?? v.createdAt)),
          h(
            "td",
            null,
            supervisor && !v.active
              ? h(
                  "button",
                  {
                    class: "btn small",
                    type: "button",
                    "data-testid": "btn-rollback",
                    "aria-label": t("versions.rollbackTo", { version: v.version }),
                    onclick: async () => {
                      const ok = await confirmDialog(t("versions.rollbackTitle"), t("versions.rollbackConfirm", { dataset: titlesOf().title(dataset), period, version: v.version }), t("versions.rollback"));
                      if (!ok) return;
                      try {
                        await ctx.backend.rollback(dataset, period, v.version);
                        ctx.notify(t("versions.rolledBack", { version: v.version }), "success");
                        await load();
                        await showVersions(dataset, period);
                      } catch (error) {
                        ctx.notify(translateError(error), "error");
                      }
                    },
                  },
                  t("versions.rollback"),
                )
              : "",
          ),
        ),
      );
      const series = calendar ? rowSeries(calendar, dataset) : [];
      mount(
        detail,
        h("h2", { title: dataset }, t("versions.of", { dataset: titlesOf().title(dataset), period })),
        table(t("versions.list"), [t("versions.version"), t("common.status"), t("summary.rows"), t("approvals.submittedBy"), t("versions.approvedBy"), t("versions.when"), ""], rows, t("versions.none")),
        series.length
          ? h("div", { class: "card chart-card" }, h("h3", null, t("versions.rowsOverPeriods")), lineChart(series, { title: t("versions.rowsOverPeriods"), format: formatNumber, highlight: period }))
          : null,
      );
    } catch (error) {
      mount(detail, errorBox(error));
    }
  }

  void load();
  return { el };
}
