// The Load screen (home): drop zone and "Choose files…", the opened files with
// dataset, period and status, and for the selected file its summary, issues
// chart, virtual grid, issue panel, filters, export and submit.
import { barChart } from "../charts";
import { profileDetails } from "../profile-view";
import { isOnline, type AppContext, type Screen } from "../context";
import { h, mount, select } from "../dom";
import { VirtualGrid } from "../grid";
import { formatNumber, issueCodeLabel, issueMessage, language, t, translateError } from "../i18n";
import type { ContractSummary, FileEvent, FileId, RowFilter, SubmitBlock } from "../backend";
import type { Issue } from "../bindings/Issue";
import { displayStatus, reportName, submitBlock, type FileEntry, type FilePreview } from "./load-state";
import { CorrectionBar, correctionsList, mappingPanel, type ReviewActions } from "./load-review";
import type { OpenedFile } from "../bindings/OpenedFile";
import { requestsChanged } from "../pending";

const ISSUE_PAGE = 200;

/** Why submit is blocked, in the user's language. */
export function blockReason(block: SubmitBlock): string {
  return t(`submit.blocked.${block}`);
}

export function loadScreen(ctx: AppContext): Screen {
  const state = ctx.loadState;
  let contracts: ContractSummary[] = [];
  let grid: VirtualGrid | null = null;
  let gridFile: FileId | null = null;
  /** The headers and columns the grid was made for, and the summary it shows. */
  let gridColumns = "";
  let gridSummary: unknown = null;
  /** The correction bar of the selected file (the grid's cell clicks go to it). */
  let bar: CorrectionBar | null = null;
  let lastJumpRow = 0;
  let issuesShown = 0;

  const onEvent = (event: FileEvent): void => state.apply(event);

  const fileList = h("div", { class: "file-list" });
  const detail = h("div", { class: "file-detail" });
  const dropZone = h(
    "div",
    { class: "drop-zone", "data-testid": "drop-zone", "aria-label": t("load.drop"), role: "region" },
    h("div", { class: "drop-icon", "aria-hidden": "true" }, "⇪"),
    h("p", { class: "drop-title" }, t("load.drop")),
    h("p", { class: "muted" }, t("load.dropHint")),
  );

  async function open(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    try {
      const opened = await ctx.backend.openFiles(paths, onEvent);
      state.add(opened);
      if (opened[0]) state.selected = opened[0].id;
      state.changed(null);
    } catch (error) {
      ctx.notify(translateError(error), "error");
    }
  }

  async function choose(): Promise<void> {
    try {
      await open(await ctx.backend.pickFiles());
    } catch (error) {
      ctx.notify(translateError(error), "error");
    }
  }

  const chooseButton = h(
    "button",
    { class: "btn primary", type: "button", "data-testid": "btn-choose", "aria-label": t("load.choose"), onclick: () => void choose() },
    t("load.choose"),
  );

  function datasetOptions(): [string, string][] {
    return [
      ["", t("load.datasetNone")],
      ...contracts.map((c): [string, string] => [c.dataset, language() === "he" && c.titleHe ? c.titleHe : c.title || c.dataset]),
    ];
  }

  function statusCell(entry: FileEntry): HTMLElement {
    const status = displayStatus(entry);
    switch (status.kind) {
      case "validating": {
        const progress = h("progress", { "aria-label": t("load.validating") });
        return h(
          "span",
          { class: "status-cell" },
          h("span", { class: "badge info" }, t("load.validating")),
          progress,
          h("span", { class: "muted small" }, t("load.rowsDone", { count: status.rowsDone })),
        );
      }
      case "valid":
        return h("span", { class: "badge ok" }, t("status.valid"));
      case "errors":
        return h("span", { class: "badge error" }, t("load.errors", { count: status.count }));
      case "unusable":
        return h("span", { class: "badge error", title: entry.error ? translateError(entry.error) : "" }, t("status.unusable"));
      case "needs_dataset":
        return h("span", { class: "badge warn" }, t("status.needs_dataset"));
    }
  }

  function renderFiles(): void {
    if (state.files.length === 0) {
      mount(fileList);
      dropZone.classList.remove("compact");
      return;
    }
    dropZone.classList.add("compact");
    const table = h(
      "table",
      { class: "table files", "aria-label": t("load.files") },
      h(
        "thead",
        null,
        h(
          "tr",
          null,
          h("th", { scope: "col" }, t("load.file")),
          h("th", { scope: "col" }, t("load.dataset")),
          h("th", { scope: "col" }, t("load.period")),
          h("th", { scope: "col" }, t("load.status")),
          h("th", { scope: "col" }, h("span", { class: "sr-only" }, t("load.actions"))),
        ),
      ),
    );
    const body = h("tbody");
    for (const entry of state.files) {
      const id = entry.file.id;
      const datasetSelect = select(
        { "aria-label": t("load.datasetFor", { name: entry.file.name }), class: "input small", "data-testid": `dataset-${entry.file.name}` },
        datasetOptions(),
        entry.file.dataset,
      );
      datasetSelect.addEventListener("change", () => {
        const dataset = datasetSelect.value;
        if (!dataset) return;
        state.revalidating(id, dataset);
        ctx.backend.setFileDataset(id, dataset, onEvent).catch((error: unknown) => ctx.notify(translateError(error), "error"));
      });
      datasetSelect.addEventListener("click", (e) => e.stopPropagation());
      const periodInput = h("input", {
        class: "input small period",
        value: entry.file.period ?? "",
        placeholder: "2026-11",
        dir: "ltr",
        "aria-label": t("load.periodFor", { name: entry.file.name }),
        "data-testid": `period-${entry.file.name}`,
      });
      periodInput.addEventListener("click", (e) => e.stopPropagation());
      periodInput.addEventListener("change", () => {
        const period = periodInput.value.trim();
        ctx.backend
          .setFilePeriod(id, period)
          .then((opened) => {
            entry.file = opened;
            periodInput.classList.remove("invalid");
            state.changed(id);
          })
          .catch((error: unknown) => {
            periodInput.classList.add("invalid");
            ctx.notify(translateError(error), "error");
          });
      });
      const closeButton = h(
        "button",
        {
          class: "btn icon",
          type: "button",
          "aria-label": t("load.close", { name: entry.file.name }),
          title: t("load.close", { name: entry.file.name }),
          onclick: (e: Event) => {
            e.stopPropagation();
            if (entry.file.status === "validating") void ctx.backend.cancelValidation(id).catch(() => undefined);
            ctx.backend.closeFile(id).catch(() => undefined);
            state.remove(id);
          },
        },
        "✕",
      );
      const row = h(
        "tr",
        {
          class: id === state.selected ? "selected" : "",
          "data-testid": `file-row-${entry.file.name}`,
          tabindex: 0,
          "aria-selected": id === state.selected ? "true" : "false",
        },
        h("td", { class: "file-name", dir: "auto" }, entry.file.name),
        h("td", null, datasetSelect),
        h("td", null, periodInput),
        h("td", null, statusCell(entry)),
        h("td", { class: "end" }, closeButton),
      );
      const pick = (): void => {
        if (state.selected !== id) {
          state.selected = id;
          state.changed(null);
        }
      };
      row.addEventListener("click", pick);
      row.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          pick();
        }
      });
      body.append(row);
    }
    table.append(body);
    mount(fileList, table);
  }

  /** The file's first rows as read, before its issues are known. */
  function previewTable(preview: FilePreview): HTMLElement {
    return h(
      "div",
      { class: "card preview", "data-testid": "preview" },
      h("h3", null, t("load.preview", { count: preview.rows.length })),
      h(
        "div",
        { class: "preview-scroll" },
        h(
          "table",
          { class: "table" },
          h("thead", null, h("tr", null, h("th", { class: "num" }, "#"), ...preview.headers.map((header) => h("th", { dir: "auto" }, header)))),
          h(
            "tbody",
            null,
            ...preview.rows.map((row) =>
              h("tr", null, h("td", { class: "num" }, row.row), ...preview.headers.map((_, i) => h("td", { dir: "auto" }, row.cells[i] ?? ""))),
            ),
          ),
        ),
      ),
    );
  }

  function card(label: string, value: number, kind: string, testid: string): HTMLElement {
    return h(
      "div",
      { class: `card stat ${kind}`, "data-testid": testid },
      h("div", { class: "stat-label" }, label),
      h("div", { class: "stat-value" }, formatNumber(value)),
    );
  }

  function renderDetail(): void {
    const entry = state.entry(state.selected);
    if (!entry) {
      grid = null;
      gridFile = null;
      mount(detail);
      return;
    }
    const id = entry.file.id;
    const summary = entry.summary;
    if (!summary) {
      grid = null;
      gridFile = null;
      const message =
        entry.file.status === "needs_dataset"
          ? t("load.chooseDataset")
          : entry.error
            ? translateError(entry.error)
            : t("load.validatingRows", { count: entry.rowsDone });
      const preview = entry.preview && !entry.error && entry.file.status === "validating" ? previewTable(entry.preview) : null;
      mount(detail, h("div", { class: "empty-state", role: "status" }, message), preview);
      return;
    }
    const online = isOnline(ctx);
    // The clerk's review: each change is validated again at once by the core;
    // the summary shown stays until the new one arrives.
    const edited = (change: Promise<OpenedFile>): void => {
      change.then((opened) => state.editing(opened)).catch((error: unknown) => ctx.notify(translateError(error), "error"));
    };
    const review: ReviewActions = {
      setMapping: (header, column, remember) => edited(ctx.backend.setFileMapping(id, header, column, remember, onEvent)),
      correctCell: (row, column, value) => edited(ctx.backend.correctCell(id, row, column, value, onEvent)),
      replaceInColumn: (column, from, to) => edited(ctx.backend.replaceInColumn(id, column, from, to, onEvent)),
      clearCorrections: () => edited(ctx.backend.clearCorrections(id, onEvent)),
    };
    bar = new CorrectionBar(summary.columns, review);
    const cards = h(
      "div",
      { class: "cards" },
      card(t("summary.rows"), summary.rows, "", "card-rows"),
      card(t("summary.valid"), summary.validRows, "ok", "card-valid"),
      card(t("summary.invalid"), summary.invalidRows, "error", "card-invalid"),
      card(t("summary.warnings"), summary.warnings, "warn", "card-warnings"),
    );
    const codes = summary.codes;
    const chart =
      codes.length > 0
        ? barChart(
            codes.map((c) => ({ label: issueCodeLabel(c.code), value: c.count, className: c.severity === "warning" ? "warn" : "error" })),
            { title: t("load.chartTitle"), format: formatNumber, rtl: language() === "he" },
          )
        : h("p", { class: "muted" }, t("load.noIssues"));

    // filters
    const onlyIssues = h("input", { type: "checkbox", id: "only-issues", "data-testid": "filter-only-issues" });
    onlyIssues.checked = state.filter.onlyIssues;
    const codeSelect = select(
      { class: "input small", "aria-label": t("filter.code"), "data-testid": "filter-code" },
      [["", t("filter.allCodes")], ...codes.map((c): [string, string] => [c.code, `${issueCodeLabel(c.code)} (${formatNumber(c.count)})`])],
      state.filter.code,
    );
    const columnSelect = select(
      { class: "input small", "aria-label": t("filter.column"), "data-testid": "filter-column" },
      [
        ["", t("filter.allColumns")],
        ...summary.columns.filter((c) => c.column !== null).map((c): [string, string] => [c.column ?? "", `${c.header} → ${c.column ?? ""}`]),
      ],
      state.filter.column,
    );
    const applyFilter = (): void => {
      const code = codes.find((c) => c.code === codeSelect.value)?.code ?? null;
      state.filter = { onlyIssues: onlyIssues.checked, code, column: columnSelect.value || null };
      lastJumpRow = 0;
      void grid?.reset();
      void loadIssues(true);
    };
    onlyIssues.addEventListener("change", applyFilter);
    codeSelect.addEventListener("change", applyFilter);
    columnSelect.addEventListener("change", applyFilter);

    const nextButton = h(
      "button",
      { class: "btn", type: "button", "data-testid": "btn-next-issue", "aria-label": t("load.nextIssue"), title: t("load.nextIssueHint"), "aria-keyshortcuts": "F8 n", onclick: () => void nextIssue() },
      t("load.nextIssue"),
      h("kbd", null, "F8"),
    );
    const exportButton = h(
      "button",
      { class: "btn", type: "button", "data-testid": "btn-export", "aria-label": t("load.export"), onclick: () => void exportReport(entry) },
      t("load.export"),
    );
    const block = submitBlock(entry, online);
    const reasonId = "submit-reason";
    const submitButton = h(
      "button",
      {
        class: "btn primary",
        type: "button",
        "data-testid": "btn-submit",
        "aria-label": t("load.submit"),
        disabled: block !== null,
        "aria-describedby": block ? reasonId : null,
        title: block ? blockReason(block) : null,
        onclick: () => void submit(entry),
      },
      t("load.submit"),
    );
    const actions = h(
      "div",
      { class: "toolbar" },
      h(
        "div",
        { class: "toolbar-group" },
        h("label", { class: "check", for: "only-issues" }, onlyIssues, t("filter.onlyIssues")),
        codeSelect,
        columnSelect,
        nextButton,
      ),
      h(
        "div",
        { class: "toolbar-group" },
        exportButton,
        submitButton,
        block ? h("span", { id: reasonId, class: "reason", "data-testid": "submit-reason" }, blockReason(block)) : null,
      ),
    );

    const columnsKey = JSON.stringify(summary.columns.map((c) => [c.header, c.column]));
    if (gridFile !== id || grid === null || gridColumns !== columnsKey) {
      grid = new VirtualGrid({
        columns: summary.columns,
        fetch: (start, count) => ctx.backend.fileRows(id, start, count, currentFilter()),
        onError: (error) => ctx.notify(translateError(error), "error"),
        onRowSelect: (row) => {
          lastJumpRow = row.row;
        },
        onCellSelect: (row, index) => bar?.show(row, index),
      });
      gridFile = id;
      gridColumns = columnsKey;
      gridSummary = summary;
      void grid.reset();
    } else if (gridSummary !== summary) {
      // Validated again after a correction: the same rows, new values and issues.
      gridSummary = summary;
      void grid.refresh();
    }

    const issuesList = h("ol", { class: "issue-list", "data-testid": "issue-list" });
    const moreButton = h("button", { class: "btn small", type: "button", hidden: true, onclick: () => void loadIssues(false) }, t("issues.more"));
    const issuesCount = h("span", { class: "muted small" });
    const fileIssues = summary.fileIssues.length
      ? h(
          "div",
          { class: "file-issues" },
          h("h4", null, t("issues.fileLevel")),
          h("ul", { class: "issue-list" }, ...summary.fileIssues.map((i) => issueItem(i))),
        )
      : null;
    const side = h(
      "aside",
      { class: "side-panel", "aria-label": t("issues.title") },
      h("h3", null, t("issues.title"), " ", issuesCount),
      fileIssues,
      issuesList,
      moreButton,
    );

    async function loadIssues(reset: boolean): Promise<void> {
      if (reset) {
        issuesShown = 0;
        issuesList.replaceChildren();
      }
      try {
        const page = await ctx.backend.fileIssues(id, issuesShown, ISSUE_PAGE, currentFilter());
        issuesShown += page.issues.length;
        issuesList.append(...page.issues.map((i) => issueItem(i)));
        issuesCount.textContent = `(${formatNumber(page.total)})`;
        moreButton.hidden = issuesShown >= page.total;
      } catch (error) {
        ctx.notify(translateError(error), "error");
      }
    }
    void loadIssues(true);

    const mapping = mappingPanel(summary, review);

    mount(
      detail,
      h(
        "div",
        { class: "detail-head" },
        h("h2", { dir: "auto" }, summary.name),
        h("span", { class: "muted" }, [summary.dataset, summary.sheet, summary.period].filter(Boolean).join(" · ")),
      ),
      cards,
      h("div", { class: "card chart-card" }, h("h3", null, t("load.chartTitle")), chart),
      // Above the grid: a header to map is the first thing to fix.
      mapping,
      actions,
      h("div", { class: "grid-area" }, grid.el, side),
      bar.el,
      correctionsList(summary, review),
      profileDetails(() => ctx.backend.fileProfile(id), (error) => ctx.notify(translateError(error), "error")),
    );
  }

  function issueItem(issue: Issue): HTMLElement {
    const where = issue.row === null ? t("issues.file") : t("issues.row", { row: issue.row });
    const item = h(
      "li",
      { class: `issue ${issue.severity}`, tabindex: issue.row === null ? null : 0, title: issueMessage(issue) },
      h("span", { class: `dot ${issue.severity}`, "aria-hidden": "true" }),
      h(
        "div",
        null,
        h("div", { class: "issue-head" }, h("strong", null, issueCodeLabel(issue.code)), " ", h("span", { class: "muted small" }, where, issue.header ? ` · ${issue.header}` : "")),
        h("div", { class: "issue-msg", dir: "auto" }, issueMessage(issue)),
      ),
    );
    if (issue.row !== null) {
      const row = issue.row;
      const go = (): void => void jumpTo(row - 1);
      item.addEventListener("click", go);
      item.addEventListener("keydown", (e) => {
        if (e.key === "Enter") go();
      });
    }
    return item;
  }

  function currentFilter(): RowFilter {
    return { ...state.filter };
  }

  async function jumpTo(afterRow: number): Promise<boolean> {
    const id = state.selected;
    if (id === null || grid === null) return false;
    try {
      const found = await ctx.backend.nextIssue(id, afterRow, currentFilter());
      if (!found) return false;
      lastJumpRow = found.row;
      await grid.scrollToPosition(found.position);
      return true;
    } catch (error) {
      ctx.notify(translateError(error), "error");
      return false;
    }
  }

  async function nextIssue(): Promise<void> {
    if (await jumpTo(lastJumpRow)) return;
    if (lastJumpRow > 0 && (await jumpTo(0))) {
      ctx.notify(t("load.wrapped"));
      return;
    }
    ctx.notify(t("load.noMoreIssues"));
  }

  async function exportReport(entry: FileEntry): Promise<void> {
    try {
      const path = await ctx.backend.pickSavePath(reportName(entry.file.name));
      if (!path) return;
      await ctx.backend.exportReport(entry.file.id, path);
      ctx.notify(t("load.exported", { path }), "success");
    } catch (error) {
      ctx.notify(translateError(error), "error");
    }
  }

  async function submit(entry: FileEntry): Promise<void> {
    try {
      const result = await ctx.backend.submitFile(entry.file.id, entry.file.period);
      ctx.notify(t("load.submitted", { id: result.requestId, rows: result.stagedRows }), "success");
      requestsChanged();
      for (const w of result.warnings) ctx.notify(issueMessage(w), "info");
    } catch (error) {
      ctx.notify(translateError(error), "error");
    }
  }

  const onKey = (event: KeyboardEvent): void => {
    const target = event.target as HTMLElement | null;
    const typing = target !== null && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA");
    if (event.key === "F8" || (event.key === "n" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey)) {
      if (state.selected === null) return;
      event.preventDefault();
      void nextIssue();
    }
  };
  document.addEventListener("keydown", onKey);

  const unsubscribe = state.subscribe((id) => {
    renderFiles();
    if (id === null || id === state.selected) renderDetail();
  });

  let stopDrop: (() => void) | null = null;
  let disposed = false;
  if (ctx.drop) {
    void ctx.drop
      .listen(
        (paths) => void open(paths),
        (over) => dropZone.classList.toggle("over", over),
      )
      .then((stop) => {
        if (disposed) stop();
        else stopDrop = stop;
      })
      .catch(() => undefined);
  }

  ctx.backend
    .listContracts()
    .then((list) => {
      contracts = list;
      renderFiles();
    })
    .catch(() => undefined);

  renderFiles();
  renderDetail();

  const el = h(
    "section",
    { class: "screen load", "aria-labelledby": "load-title" },
    h("header", { class: "screen-head" }, h("h1", { id: "load-title" }, t("nav.load")), h("div", { class: "head-actions" }, chooseButton)),
    dropZone,
    fileList,
    detail,
  );
  return {
    el,
    dispose() {
      disposed = true;
      document.removeEventListener("keydown", onKey);
      unsubscribe();
      stopDrop?.();
    },
  };
}
