// A request's review on its Approvals page (issue 15): the header mappings
// the request used and every cell the clerk corrected (row, column, the
// value in the file, the value loaded, who and when), read before approving.
import { h } from "./dom";
import { formatDateTime, formatNumber, t } from "./i18n";
import type { RequestReviewView } from "./bindings/RequestReviewView";

export function reviewView(review: RequestReviewView): HTMLElement {
  if (review.mappings.length === 0 && review.correctionsTotal === 0) {
    return h("p", { class: "muted", "data-testid": "review-none" }, t("approvals.reviewNone"));
  }
  const mappings = review.mappings.length
    ? h(
        "table",
        { class: "table compact", "aria-label": t("approvals.mappings"), "data-testid": "review-mappings" },
        h("thead", null, h("tr", null, h("th", null, t("load.fileHeader")), h("th", null, t("load.contractColumn")), h("th", null, t("approvals.reviewBy")))),
        h(
          "tbody",
          null,
          ...review.mappings.map((m) =>
            h(
              "tr",
              null,
              h("td", { dir: "auto" }, m.header),
              h("td", { dir: "ltr" }, m.column ?? t("load.mapIgnore"), m.remembered ? h("span", { class: "badge info" }, t("approvals.remembered")) : null),
              h("td", null, m.recordedBy, " · ", formatDateTime(m.recordedAt)),
            ),
          ),
        ),
      )
    : null;
  const corrections = review.correctionsTotal
    ? h(
        "table",
        { class: "table compact", "aria-label": t("approvals.corrections", { count: review.correctionsTotal }), "data-testid": "review-corrections" },
        h(
          "thead",
          null,
          h("tr", null, h("th", null, t("load.correctionRow")), h("th", null, t("load.contractColumn")), h("th", null, t("load.correctionOld")), h("th", null, t("load.correctionNew")), h("th", null, t("approvals.reviewBy"))),
        ),
        h(
          "tbody",
          null,
          ...review.corrections.map((c) =>
            h(
              "tr",
              { "data-testid": `review-correction-${c.row}-${c.column}` },
              h("td", { class: "num" }, c.row),
              h("td", { dir: "ltr" }, c.column),
              h("td", { class: "before", dir: "auto" }, c.oldValue === "" ? "∅" : c.oldValue),
              h("td", { class: "after", dir: "auto" }, c.newValue === "" ? "∅" : c.newValue),
              h("td", null, c.madeBy, " · ", formatDateTime(c.madeAt)),
            ),
          ),
        ),
      )
    : null;
  return h(
    "div",
    { class: "review", "data-testid": "review" },
    mappings ? h("h4", null, t("approvals.mappings")) : null,
    mappings,
    corrections ? h("h4", null, t("approvals.corrections", { count: formatNumber(review.correctionsTotal) })) : null,
    corrections,
    review.corrections.length < review.correctionsTotal
      ? h("p", { class: "muted small" }, t("load.correctionsMore", { shown: formatNumber(review.corrections.length), count: formatNumber(review.correctionsTotal) }))
      : null,
  );
}
