// Activity: the audit log, filterable by person, dataset, action and dates.
import type { AppContext, Screen } from "../context";
import { isOnline } from "../context";
import { h, mount } from "../dom";
import { formatDateTime, t } from "../i18n";
import type { AuditFilter, AuditView } from "../backend";
import { errorBox, loading, screenHead, table } from "./common";

/** A filter from form values: blanks become null. */
export function auditFilter(values: Record<keyof AuditFilter, string>): AuditFilter {
  const v = (s: string): string | null => (s.trim() === "" ? null : s.trim());
  return { actor: v(values.actor), dataset: v(values.dataset), action: v(values.action), from: v(values.from), to: v(values.to) };
}

export function detailText(detail: unknown): string {
  if (detail === null || detail === undefined) return "";
  if (typeof detail === "string") return detail;
  return JSON.stringify(detail);
}

export function activityScreen(ctx: AppContext): Screen {
  const input = (name: keyof AuditFilter, type = "text"): HTMLInputElement =>
    h("input", { class: "input small", type, name, "aria-label": t(`activity.${name}`), placeholder: type === "text" ? t(`activity.${name}`) : null, "data-testid": `audit-${name}` });
  const fields = { actor: input("actor"), dataset: input("dataset"), action: input("action"), from: input("from", "date"), to: input("to", "date") };
  const body = h("div", { class: "screen-body" });
  const form = h(
    "form",
    { class: "toolbar filters", "aria-label": t("activity.filters") },
    ...Object.entries(fields).map(([name, el]) => h("label", { class: "field" }, h("span", { class: "small muted" }, t(`activity.${name as keyof AuditFilter}`)), el)),
    h("button", { class: "btn primary", type: "submit", "aria-label": t("activity.apply") }, t("activity.apply")),
  );
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void load();
  });

  async function load(): Promise<void> {
    if (!isOnline(ctx)) {
      mount(body, h("p", { class: "empty-state" }, t("common.needsDatabase")));
      return;
    }
    mount(body, loading());
    try {
      const filter = auditFilter({ actor: fields.actor.value, dataset: fields.dataset.value, action: fields.action.value, from: fields.from.value, to: fields.to.value });
      const rows: AuditView[] = await ctx.backend.auditLog(filter, 500);
      mount(
        body,
        table(
          t("activity.log"),
          [t("activity.when"), t("activity.actor"), t("activity.action"), t("common.dataset"), t("common.period"), t("activity.detail")],
          rows.map((r) =>
            h(
              "tr",
              null,
              h("td", null, formatDateTime(r.at)),
              h("td", null, r.actor),
              h("td", null, h("code", { dir: "ltr" }, r.action)),
              h("td", { dir: "ltr" }, r.dataset ?? ""),
              h("td", { dir: "ltr" }, r.period ?? ""),
              h("td", { class: "detail-cell", dir: "auto", title: detailText(r.detail) }, detailText(r.detail)),
            ),
          ),
          t("activity.empty"),
        ),
      );
    } catch (error) {
      mount(body, errorBox(error));
    }
  }

  void load();
  const el = h("section", { class: "screen activity", "aria-labelledby": "activity-title" }, screenHead("activity-title", t("nav.activity")), form, body);
  return { el };
}
