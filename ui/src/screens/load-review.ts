// The clerk's review on the Load screen (issue 15): the column mapping made
// editable (each header mapped to a contract column or ignored, remembered
// for the dataset when asked), the correction bar (the selected cell given a
// new value, or one value replaced in its whole column), and the list of
// corrections. Every change goes to the core, which validates the file again
// at once; the counters and grid update when its summary arrives.
import { h, select } from "../dom";
import { formatDateTime, formatNumber, t } from "../i18n";
import type { FileSummary, GridRowView } from "../backend";
import type { ColumnMapping } from "../bindings/ColumnMapping";

/** What the review asks of the app; each resolves when the new validation has started. */
export interface ReviewActions {
  setMapping(header: string, column: string | null, remember: boolean): void;
  correctCell(row: number, column: string, value: string): void;
  replaceInColumn(column: string, from: string, to: string): void;
  clearCorrections(): void;
}

/** The select value of an ignored header, and of a header left to the contract's names. */
export const IGNORE = "__ignore__";
export const BY_CONTRACT = "";

/** The select value that shows how a header is mapped now. */
export function mappingValue(column: ColumnMapping): string {
  if (column.column !== null) return column.column;
  return column.mapped ? IGNORE : BY_CONTRACT;
}

/** The column a select value maps to: null for an ignored header, undefined for no choice. */
export function mappingTarget(value: string): string | null | undefined {
  if (value === BY_CONTRACT) return undefined;
  return value === IGNORE ? null : value;
}

/** Whether a header needs the clerk: it feeds nothing and nobody chose to ignore it. */
export function needsMapping(column: ColumnMapping): boolean {
  return column.column === null && !column.mapped;
}

/** The editable column mapping: one row per header of the file. */
export function mappingPanel(summary: FileSummary, actions: ReviewActions): HTMLElement {
  const unmapped = summary.columns.filter(needsMapping).length;
  // Mapped by a mapping remembered for the dataset (here or on another
  // desktop): said on the closed panel too, so a file the remembered
  // mappings fixed (and recognised) does not look as it arrived.
  const remembered = summary.columns.filter((c) => c.mapped && c.remembered).length;
  const rows = summary.columns.map((column) => {
    const options: [string, string][] = [
      ...(column.mapped ? [] : [[BY_CONTRACT, column.column === null ? t("load.mapChoose") : t("load.mapByContract")] as [string, string]]),
      [IGNORE, t("load.mapIgnore")],
      ...summary.contractColumns.map((name): [string, string] => [name, name]),
    ];
    const choice = select(
      {
        class: "input small",
        "aria-label": t("load.mapFor", { header: column.header }),
        "data-testid": `map-${column.index}`,
        dir: "ltr",
      },
      options,
      mappingValue(column),
    );
    const remember = h("input", {
      type: "checkbox",
      id: `remember-${column.index}`,
      "data-testid": `remember-${column.index}`,
      "aria-label": t("load.rememberFor", { header: column.header }),
    });
    remember.checked = column.remembered;
    const send = (): void => {
      const target = mappingTarget(choice.value);
      if (target === undefined) return;
      actions.setMapping(column.header, target, remember.checked);
    };
    choice.addEventListener("change", send);
    remember.addEventListener("change", send);
    return h(
      "tr",
      { class: needsMapping(column) ? "needs-mapping" : column.mapped ? "mapped" : "" },
      h("td", { dir: "auto" }, column.header),
      h("td", null, choice),
      h("td", null, h("label", { class: "check", for: `remember-${column.index}` }, remember, t("load.remember"))),
    );
  });
  const panel = h(
    "details",
    { class: "mapping", "data-testid": "mapping" },
    h(
      "summary",
      null,
      t("load.mapping"),
      unmapped > 0 ? h("span", { class: "badge warn" }, t("load.mapUnmapped", { count: unmapped })) : null,
      remembered > 0
        ? h("span", { class: "badge info", "data-testid": "mapping-remembered" }, t("load.mapRemembered", { count: remembered }))
        : null,
    ),
    h("p", { class: "muted small" }, t("load.mapHint")),
    h(
      "table",
      { class: "table compact" },
      h("thead", null, h("tr", null, h("th", null, t("load.fileHeader")), h("th", null, t("load.contractColumn")), h("th", null, t("load.remember")))),
      h("tbody", null, ...rows),
    ),
  );
  panel.open = unmapped > 0 || summary.codes.some((c) => c.code === "missing_column");
  return panel;
}

/** The correction bar: the cell selected in the grid, a new value for it,
 * and a replacement of its value in the whole column. */
export class CorrectionBar {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;

  constructor(
    private readonly columns: readonly ColumnMapping[],
    private readonly actions: ReviewActions,
  ) {
    this.body = h("div", { class: "correction-body" }, h("span", { class: "muted" }, t("load.correctPick")));
    this.el = h("div", { class: "card correction-bar", "data-testid": "correction-bar", role: "group", "aria-label": t("load.correctTitle") }, h("h3", null, t("load.correctTitle")), this.body);
  }

  /** Shows the cell at file column `index` of `row`. */
  show(row: GridRowView, index: number): void {
    const column = this.columns[index];
    const value = row.cells[index] ?? "";
    if (!column) return;
    const where = h("span", { class: "muted", "data-testid": "correction-where" }, t("load.correctWhere", { row: row.row, header: column.header }));
    if (column.column === null) {
      this.body.replaceChildren(where, " ", h("span", { class: "reason" }, t("load.correctUnmapped")));
      return;
    }
    const contractColumn = column.column;
    const input = h("input", { class: "input", value, dir: "auto", "data-testid": "correction-value", "aria-label": t("load.correctValue") });
    const apply = h(
      "button",
      {
        class: "btn primary",
        type: "button",
        "data-testid": "btn-correct",
        onclick: () => this.actions.correctCell(row.row, contractColumn, input.value),
      },
      t("load.correctApply"),
    );
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        this.actions.correctCell(row.row, contractColumn, input.value);
      }
    });
    const to = h("input", { class: "input", value: "", dir: "auto", "data-testid": "replace-to", "aria-label": t("load.replaceTo", { value }) });
    const replace = h(
      "button",
      {
        class: "btn",
        type: "button",
        "data-testid": "btn-replace",
        onclick: () => this.actions.replaceInColumn(contractColumn, value, to.value),
      },
      t("load.replaceAll"),
    );
    this.body.replaceChildren(
      h("div", { class: "toolbar-group" }, where, input, apply),
      h("div", { class: "toolbar-group" }, h("span", { dir: "auto" }, t("load.replaceTo", { value })), to, replace),
    );
    input.focus();
  }
}

/** The corrections applied to the file, with the way back. */
export function correctionsList(summary: FileSummary, actions: ReviewActions): HTMLElement | null {
  if (summary.correctionsTotal === 0 && summary.replacements.length === 0) return null;
  const undo = h(
    "button",
    { class: "btn small", type: "button", "data-testid": "btn-clear-corrections", onclick: () => actions.clearCorrections() },
    t("load.correctionsClear"),
  );
  return h(
    "details",
    { class: "corrections", "data-testid": "corrections", open: true },
    h("summary", null, t("load.corrections", { count: formatNumber(summary.correctionsTotal) })),
    h(
      "table",
      { class: "table compact" },
      h(
        "thead",
        null,
        h("tr", null, h("th", null, t("load.correctionRow")), h("th", null, t("load.contractColumn")), h("th", null, t("load.correctionOld")), h("th", null, t("load.correctionNew")), h("th", null, t("load.correctionWhen"))),
      ),
      h(
        "tbody",
        null,
        ...summary.corrections.map((c) =>
          h(
            "tr",
            { "data-testid": `correction-${c.row}-${c.column}` },
            h("td", { class: "num" }, c.row),
            h("td", { dir: "ltr" }, c.column),
            h("td", { class: "before", dir: "auto" }, c.oldValue === "" ? "∅" : c.oldValue),
            h("td", { class: "after", dir: "auto" }, c.newValue === "" ? "∅" : c.newValue),
            h("td", null, formatDateTime(c.madeAt)),
          ),
        ),
      ),
    ),
    summary.corrections.length < summary.correctionsTotal
      ? h("p", { class: "muted small" }, t("load.correctionsMore", { shown: formatNumber(summary.corrections.length), count: formatNumber(summary.correctionsTotal) }))
      : null,
    undo,
  );
}
