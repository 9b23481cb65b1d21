// Activity: the audit log, filterable by person, dataset, action and dates.
import type { AppContext, Screen } from "../context";
import { isOnline } from "../context";
import { h, mount, select } from "../dom";
import { auditActionLabel, formatDateTime, t } from "../i18n";
import type { AuditFilter, AuditView } from "../backend";
import { auditSentenceParts } from "../audit-sentence";
import { DatasetTitles } from "../titles";
import type { AuditAction } from "../bindings/AuditAction";
import { errorBox, loading, screenHead, table } from "./common";

/** Every audit action, in the filter's order (a record over the generated
 * union, so a new action fails `tsc` until it is listed). */
const ACTION_ORDER: Record<AuditAction, number> = {
  submit: 0,
  submit_failed: 1,
  approve: 2,
  load_failed: 3,
  reject: 4,
  rollback: 5,
  contract_apply: 6,
  login_add: 7,
  login_disable: 8,
  login_enable: 9,
  login_role: 10,
  login_password: 11,
  column_alias: 12,
};
export const AUDIT_ACTIONS = (Object.keys(ACTION_ORDER) as AuditAction[]).sort((a, b) => ACTION_ORDER[a] - ACTION_ORDER[b]);

/** A filter from form values: blanks (and an action that is not one) become null. */
export function auditFilter(values: Record<keyof AuditFilter, string>): AuditFilter {
  const v = (s: string): string | null => (s.trim() === "" ? null : s.trim());
  const action = AUDIT_ACTIONS.find((a) => a === values.action.trim()) ?? null;
  return { actor: v(values.actor), dataset: v(values.dataset), action, from: v(values.from), to: v(values.to) };
}

export function detailText(detail: unknown): string {
  if (detail === null || detail === undefined) return "";
  if (typeof detail === "string") return detail;
  return JSON.stringify(detail);
}

/** One entry's sentence, the dataset's code on hover of its title. */
export function sentenceCell(entry: AuditView, titles: DatasetTitles): HTMLElement {
  const parts = auditSentenceParts(entry, (code) => titles.title(code));
  return h(
    "td",
    { class: "audit-sentence", "data-testid": `audit-sentence-${entry.id}`, "data-action": entry.action },
    ...parts.map((p) => (typeof p === "string" ? p : h("span", { class: "dataset-title", title: p.dataset, "data-dataset": p.dataset }, p.text))),
  );
}

/** The raw details, a click away (closed until asked). */
export function detailCell(entry: AuditView): HTMLElement {
  const raw = entry.detail === null || entry.detail === undefined ? "" : JSON.stringify(entry.detail, null, 2);
  return h(
    "td",
    { class: "detail-cell" },
    raw === "" || raw === "{}"
      ? ""
      : h("details", { "data-testid": `audit-detail-${entry.id}` }, h("summary", null, t("activity.showDetail")), h("pre", { class: "detail-json", dir: "ltr" }, raw)),
  );
}

export function activityScreen(ctx: AppContext): Screen {
  const input = (name: keyof AuditFilter, type = "text"): HTMLInputElement =>
    h("input", { class: "input small", type, name, "aria-label": t(`activity.${name}`), placeholder: type === "text" ? t(`activity.${name}`) : null, "data-testid": `audit-${name}` });
  const action = select(
    { class: "input small", name: "action", "aria-label": t("activity.action"), "data-testid": "audit-action" },
    [["", t("activity.anyAction")], ...AUDIT_ACTIONS.map((a): [string, string] => [a, auditActionLabel(a)])],
    null,
  );
  // Datasets by their title in the user's language (the code is the value),
  // filled once the contracts are read.
  const dataset = select(
    { class: "input small", name: "dataset", "aria-label": t("activity.dataset"), "data-testid": "audit-dataset" },
    [["", t("activity.anyDataset")]],
    null,
  );
  const titlesRead = DatasetTitles.load(ctx.backend).then((titles) => {
    const chosen = dataset.value;
    dataset.replaceChildren(...[["", t("activity.anyDataset")], ...titles.options()].map(([code, title]) => h("option", { value: code, title: code }, title)));
    dataset.value = chosen;
    return titles;
  });
  const fields = { actor: input("actor"), dataset, action, from: input("from", "date"), to: input("to", "date") };
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
      const [rows, titles] = await Promise.all([ctx.backend.auditLog(filter, 500), titlesRead]);
      mount(
        body,
        table(
          t("activity.log"),
          [t("activity.when"), t("activity.action"), t("activity.what"), t("activity.detail")],
          rows.map((r: AuditView) =>
            h(
              "tr",
              { "data-testid": `audit-row-${r.id}` },
              h("td", { class: "nowrap" }, formatDateTime(r.at)),
              h("td", { title: r.action }, auditActionLabel(r.action)),
              sentenceCell(r, titles),
              detailCell(r),
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
