// Approvals: the pending queue and a request page with its validation summary,
// change preview, row-count history, and Approve / Reject.
import { lineChart } from "../charts";
import { isOnline, type AppContext, type Screen } from "../context";
import { h, mount, select } from "../dom";
import { formatDateTime, formatNumber, issueCodeLabel, issueMessage, statusLabel, t, translateError } from "../i18n";
import type { ApproveBlock, RequestDetail, RequestView } from "../backend";
import type { ChangedRowView } from "../bindings/ChangedRowView";
import type { RequestStatus } from "../bindings/RequestStatus";
import { errorBox, loading, screenHead, table } from "./common";
import { requestsChanged } from "../pending";
import { driftView } from "../profile-view";
import { reviewView } from "../review-view";
import { DatasetTitles } from "../titles";

/** The badge of each request status, and the filter's order (a record over
 * the generated union: a new status fails `tsc` until it has one). */
const REQUEST_BADGES: Record<RequestStatus, "info" | "error" | "ok"> = {
  pending: "info",
  approved: "ok",
  loaded: "ok",
  rejected: "error",
  failed: "error",
};
const REQUEST_STATUSES = Object.keys(REQUEST_BADGES) as RequestStatus[];

export const APPROVE_STEPS = ["land", "validate", "stage", "transform", "publish"] as const;

/** One changed cell of a sample row: its column and its text before and after (null for no value). */
export interface SampleChange {
  column: string;
  before: string | null;
  after: string | null;
}

/** The columns of a row (a JSON object from the database); none when it is not an object. */
function jsonRow(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A JSON cell value as text; null for SQL NULL or a missing column. */
function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** The cells that differ between a sample row's `before` and `after`. */
export function sampleChanges(row: ChangedRowView): SampleChange[] {
  const before = jsonRow(row.before);
  const after = jsonRow(row.after);
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .map((column) => ({ column, before: cellText(before[column]), after: cellText(after[column]) }))
    .filter((change) => change.before !== change.after);
}

/** Why the signed-in user may not approve this request, or null: the core's
 * reason (role, pending, four eyes), else offline when there is no database. */
export function canApprove(request: RequestView, online: boolean): ApproveBlock | null {
  return online ? request.approveBlock : "offline";
}

function warningsText(request: RequestView): string {
  return request.warnings.map((w) => issueCodeLabel(w.code)).join(", ");
}

export function approvalsScreen(ctx: AppContext): Screen {
  let statusFilter: RequestStatus | null = "pending";
  // Dataset titles in the user's language (the code on hover).
  let titles = new DatasetTitles([]);
  const titlesRead = DatasetTitles.load(ctx.backend).then((read) => {
    titles = read;
  });
  const body = h("div", { class: "screen-body" });
  const filter = select(
    { class: "input small", "aria-label": t("approvals.statusFilter"), "data-testid": "request-status" },
    [...REQUEST_STATUSES.map((s): [string, string] => [s, statusLabel(s)]), ["", t("common.all")]],
    statusFilter,
  );
  filter.addEventListener("change", () => {
    statusFilter = REQUEST_STATUSES.find((s) => s === filter.value) ?? null;
    void showList();
  });
  const refresh = h("button", { class: "btn", type: "button", "aria-label": t("common.refresh"), onclick: () => void showList() }, t("common.refresh"));
  const el = h("section", { class: "screen approvals", "aria-labelledby": "approvals-title" }, screenHead("approvals-title", t("nav.approvals"), filter, refresh), body);

  async function showList(): Promise<void> {
    if (!isOnline(ctx)) {
      mount(body, h("p", { class: "empty-state" }, t("common.needsDatabase")));
      return;
    }
    mount(body, loading());
    try {
      const [requests] = await Promise.all([ctx.backend.listRequests(statusFilter), titlesRead]);
      const rows = requests.map((r) => {
        const tr = h(
          "tr",
          { "data-testid": `request-row-${r.requestId}`, tabindex: 0, class: "clickable" },
          h("td", { class: "num" }, r.requestId),
          h("td", null, titles.label(r.dataset)),
          h("td", { dir: "ltr" }, r.period),
          h("td", { dir: "auto" }, r.fileName),
          h("td", null, r.submittedBy),
          h("td", null, formatDateTime(r.submittedAt)),
          h("td", { class: "num" }, formatNumber(r.rows)),
          h("td", null, h("span", { class: `badge ${REQUEST_BADGES[r.status]}` }, statusLabel(r.status))),
          h("td", null, r.warnings.length ? h("span", { class: "badge warn", title: r.warnings.map(issueMessage).join("\n") }, warningsText(r)) : ""),
        );
        const openIt = (): void => void showDetail(r.requestId);
        tr.addEventListener("click", openIt);
        tr.addEventListener("keydown", (e) => {
          if (e.key === "Enter") openIt();
        });
        return tr;
      });
      mount(
        body,
        table(
          t("approvals.queue"),
          [t("approvals.id"), t("common.dataset"), t("common.period"), t("common.file"), t("approvals.submittedBy"), t("approvals.submittedAt"), t("summary.rows"), t("common.status"), t("approvals.warnings")],
          rows,
          t("approvals.empty"),
        ),
      );
    } catch (error) {
      mount(body, errorBox(error));
    }
  }

  async function showDetail(id: number): Promise<void> {
    mount(body, loading());
    let detail: RequestDetail;
    try {
      detail = await ctx.backend.requestDetail(id);
    } catch (error) {
      mount(body, errorBox(error));
      return;
    }
    const { request, report, preview, history } = detail;
    // The profile and drift come on their own, so the page shows at once.
    const drift = h("div", { class: "drift-area", "data-testid": "drift" }, loading());
    ctx.backend.requestProfiles(request.requestId).then(
      (comparison) => mount(drift, driftView(comparison)),
      (error: unknown) => mount(drift, errorBox(error)),
    );
    const back = h("button", { class: "btn", type: "button", "aria-label": t("common.back"), onclick: () => void showList() }, "← ", t("common.back"));
    const refusal = h("div", { class: "refusal", role: "alert" });
    const note = h("textarea", { class: "input", rows: 3, id: "decision-note", "aria-label": t("approvals.note"), "data-testid": "decision-note" });
    const steps = h("ol", { class: "steps", "aria-label": t("approvals.progress") }, ...APPROVE_STEPS.map((s) => h("li", { "data-step": s }, t(`step.${s}`))));
    steps.hidden = true;
    const progress = h("progress", { max: APPROVE_STEPS.length, value: 0, "aria-label": t("approvals.progress") });
    progress.hidden = true;
    const blocked = canApprove(request, isOnline(ctx));
    const approve = h("button", { class: "btn primary", type: "button", "data-testid": "btn-approve", "aria-label": t("approvals.approve") }, t("approvals.approve"));
    const reject = h("button", { class: "btn danger", type: "button", "data-testid": "btn-reject", "aria-label": t("approvals.reject"), disabled: blocked !== null && blocked !== "four_eyes" }, t("approvals.reject"));
    const setBusy = (busy: boolean): void => {
      approve.disabled = busy;
      reject.disabled = busy;
    };
    approve.addEventListener("click", async () => {
      refusal.replaceChildren();
      setBusy(true);
      steps.hidden = false;
      progress.hidden = false;
      try {
        const result = await ctx.backend.approveRequest(request.requestId, note.value.trim() || null, (event) => {
          const index = APPROVE_STEPS.findIndex((step) => step === event.step);
          progress.value = index + 1;
          steps.querySelectorAll("li").forEach((li, i) => {
            li.className = i < index ? "done" : i === index ? "current" : "";
          });
        });
        progress.value = APPROVE_STEPS.length;
        steps.querySelectorAll("li").forEach((li) => (li.className = "done"));
        ctx.notify(t("approvals.approved", { version: result.version, rows: result.rows }), "success");
        requestsChanged();
        void showList();
      } catch (error) {
        refusal.replaceChildren(translateError(error));
        setBusy(false);
      }
    });
    reject.addEventListener("click", async () => {
      refusal.replaceChildren();
      if (note.value.trim() === "") {
        refusal.replaceChildren(t("error.note_required"));
        note.focus();
        return;
      }
      setBusy(true);
      try {
        await ctx.backend.rejectRequest(request.requestId, note.value.trim());
        ctx.notify(t("approvals.rejected"), "success");
        requestsChanged();
        void showList();
      } catch (error) {
        refusal.replaceChildren(translateError(error));
        setBusy(false);
      }
    });

    const stat = (label: string, value: number, kind = ""): HTMLElement =>
      h("div", { class: `card stat ${kind}` }, h("div", { class: "stat-label" }, label), h("div", { class: "stat-value" }, formatNumber(value)));

    const sample = preview.sample.length
      ? h(
          "table",
          { class: "table compact", "aria-label": t("approvals.sample") },
          h("thead", null, h("tr", null, h("th", null, t("approvals.key")), h("th", null, t("approvals.column")), h("th", null, t("approvals.before")), h("th", null, t("approvals.after")))),
          h(
            "tbody",
            null,
            ...preview.sample.flatMap((row) =>
              sampleChanges(row).map((change, i) =>
                h(
                  "tr",
                  null,
                  h("td", { dir: "ltr" }, i === 0 ? row.key : ""),
                  h("td", { dir: "ltr" }, change.column),
                  h("td", { class: "before", dir: "auto" }, change.before ?? "∅"),
                  h("td", { class: "after", dir: "auto" }, change.after ?? "∅"),
                ),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, t("approvals.noSample"));

    const decision =
      request.status === "pending"
        ? h(
            "div",
            { class: "card decision" },
            h("h3", null, t("approvals.decision")),
            h("label", { for: "decision-note" }, t("approvals.note")),
            note,
            h("p", { class: "muted small" }, t("approvals.noteHint")),
            h(
              "div",
              { class: "toolbar-group" },
              blocked === null ? approve : null,
              reject,
              blocked ? h("span", { class: "reason", "data-testid": "approve-reason" }, t(`approvals.blocked.${blocked}`)) : null,
            ),
            progress,
            steps,
            refusal,
          )
        : h(
            "div",
            { class: "card" },
            h("p", null, statusLabel(request.status), request.decidedBy ? ` · ${request.decidedBy}` : "", request.decisionNote ? ` · ${request.decisionNote}` : ""),
            request.error ? h("p", { class: "alert error", dir: "auto" }, request.error) : null,
          );

    // the stored report when there is one, else the counts the request itself carries
    const validation = report
      ? [stat(t("summary.rows"), report.rows), stat(t("summary.valid"), report.validRows, "ok"), stat(t("summary.invalid"), report.invalidRows, "error"), stat(t("summary.warnings"), report.warnings, "warn")]
      : [stat(t("summary.rows"), request.rows), stat(t("summary.invalid"), request.invalidRows, "error")];

    mount(
      body,
      h(
        "div",
        { class: "request" },
        h("div", { class: "detail-head" }, back, h("h2", null, t("approvals.request", { id: request.requestId })), h("span", { class: "muted" }, ...[titles.label(request.dataset), ...[request.period, request.fileName, request.submittedBy, formatDateTime(request.submittedAt)].map((part) => h("bdi", null, part))].flatMap((part, i) => (i === 0 ? [part] : [" · ", part])))),
        h("h3", null, t("approvals.validation")),
        h("div", { class: "cards" }, ...validation),
        request.warnings.length ? h("ul", { class: "alert warn" }, ...request.warnings.map((w) => h("li", null, issueCodeLabel(w.code), ": ", issueMessage(w)))) : null,
        h("h3", null, t("approvals.changes")),
        h("div", { class: "cards" }, stat(t("approvals.added"), preview.added, "ok"), stat(t("approvals.removed"), preview.removed, "error"), stat(t("approvals.changed"), preview.changed, "warn")),
        preview.changedColumns.length ? h("p", null, t("approvals.changedColumns"), " ", ...preview.changedColumns.map((c) => h("code", { class: "chip", dir: "ltr" }, c))) : null,
        sample,
        h("h3", null, t("approvals.review")),
        reviewView(detail.review),
        h("h3", null, t("approvals.history")),
        history.length
          ? h("div", { class: "card chart-card" }, lineChart(history.map((p) => ({ label: p.period, value: p.rows })), { title: t("approvals.history"), format: formatNumber, highlight: request.period }))
          : h("p", { class: "muted" }, t("approvals.noHistory")),
        h("h3", null, t("drift.title")),
        drift,
        decision,
      ),
    );
  }

  void showList();
  return { el };
}
