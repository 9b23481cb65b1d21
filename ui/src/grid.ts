// The virtualised data grid: fixed row height, only the visible rows (plus a
// buffer) are in the DOM, and rows are fetched page by page as the user
// scrolls. Offending cells carry `cell-error` / `cell-warning` and the
// message in `title`; cells the clerk corrected carry `cell-corrected`.
import { h } from "./dom";
import { columnWidths, pagesFor, pagesToEvict, scrollToShow, visibleRange } from "./grid-math";
import { formatNumber, issueMessage, t } from "./i18n";
import type { GridPage } from "./backend";
import type { ColumnMapping } from "./bindings/ColumnMapping";
import type { GridRowView } from "./bindings/GridRowView";

export interface GridOptions {
  columns: readonly ColumnMapping[];
  fetch: (start: number, count: number) => Promise<GridPage>;
  rowHeight?: number;
  pageSize?: number;
  buffer?: number;
  onRowSelect?: (row: GridRowView, position: number) => void;
  /** A cell was clicked (the correction bar shows it); `index` is its file column. */
  onCellSelect?: (row: GridRowView, index: number) => void;
  onError?: (error: unknown) => void;
}

const ROW_NUMBER_WIDTH = 72;
/** Column widths: room for the header and the first page's values, within
 * these bounds (the cell's inline padding and border included). */
const WIDTH_BOUNDS = { min: 88, max: 420, padding: 20 };

/** Text width in px as the grid draws it (13px cells, 600-weight heads): the
 * canvas's measure when there is one, an average glyph width otherwise. */
function measureText(): (text: string, head: boolean) => number {
  let context: CanvasRenderingContext2D | null = null;
  try {
    context = document.createElement("canvas").getContext("2d");
  } catch {
    context = null;
  }
  const family = typeof getComputedStyle === "function" ? getComputedStyle(document.body).fontFamily || "sans-serif" : "sans-serif";
  return (text, head) => {
    if (context === null) return text.length * (head ? 8 : 7.5);
    context.font = `${head ? "600 " : ""}13px ${family}`;
    return context.measureText(text).width;
  };
}
const FALLBACK_VIEWPORT = 480;
const MAX_CACHED_PAGES = 12;

export class VirtualGrid {
  readonly el: HTMLElement;
  readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly body: HTMLElement;
  private readonly status: HTMLElement;
  private readonly cache = new Map<number, GridRowView[]>();
  private readonly pending = new Set<number>();
  private readonly rowHeight: number;
  private readonly pageSize: number;
  private readonly buffer: number;
  private generation = 0;
  private frame = 0;
  /** Each column's width, from its header, then from the first page too. */
  private widths: number[];
  private sized = false;
  private readonly header: HTMLElement;
  private readonly headCells: HTMLElement[] = [];
  total = 0;
  selectedPosition: number | null = null;

  constructor(private readonly options: GridOptions) {
    this.rowHeight = options.rowHeight ?? 28;
    this.pageSize = options.pageSize ?? 100;
    this.buffer = options.buffer ?? 10;
    this.widths = this.measure([]);

    const header = h("div", { class: "grid-header", role: "row" });
    this.header = header;
    header.append(h("div", { class: "grid-rownum", role: "columnheader" }, "#"));
    for (const column of options.columns) {
      const label = column.column === null ? t("grid.unmapped") : column.column;
      const cell = h(
          "div",
          {
            class: column.column === null ? "grid-cell grid-head unmapped" : "grid-cell grid-head",
            role: "columnheader",
            title: `${column.header} → ${label}`,
            "data-column": column.column ?? "",
          },
          h("span", { class: "head-file", dir: "auto" }, column.header),
          h("span", { class: "head-contract", dir: "ltr" }, label),
        );
      this.headCells.push(cell);
      header.append(cell);
    }
    this.spacer = h("div", { class: "grid-spacer" });
    this.applyWidths();
    this.body = h("div", { class: "grid-body", role: "rowgroup" });
    this.spacer.append(this.body);
    this.viewport = h("div", {
      class: "grid-viewport",
      tabindex: 0,
      role: "grid",
      "aria-label": t("grid.label"),
      "aria-colcount": options.columns.length + 1,
    });
    this.viewport.append(header, this.spacer);
    this.status = h("div", { class: "grid-status muted", role: "status" });
    this.el = h("div", { class: "grid", "data-testid": "grid" }, this.viewport, this.status);
    this.viewport.addEventListener("scroll", () => this.schedule());
    this.viewport.addEventListener("keydown", (event) => this.onKey(event));
  }

  /** Forget the loaded rows (the file was validated again) and fetch the
   * rows in view again, keeping the scroll position and the selection. */
  async refresh(): Promise<void> {
    this.generation += 1;
    this.cache.clear();
    this.pending.clear();
    const { first } = visibleRange(this.viewport.scrollTop, this.viewportHeight(), this.rowHeight, Math.max(this.total, 1), this.buffer);
    await this.loadPage(Math.floor(first / this.pageSize));
    this.render();
  }

  /** Forget the loaded rows (new filter) and fetch the first page. */
  async reset(): Promise<void> {
    this.generation += 1;
    this.cache.clear();
    this.pending.clear();
    this.selectedPosition = null;
    this.total = 0;
    this.viewport.scrollTop = 0;
    this.body.replaceChildren();
    this.status.textContent = t("grid.loading");
    await this.loadPage(0);
    this.render();
  }

  private viewportHeight(): number {
    const height = this.viewport.clientHeight;
    return height > 0 ? height : FALLBACK_VIEWPORT;
  }

  private schedule(): void {
    if (this.frame) return;
    const run = (): void => {
      this.frame = 0;
      this.render();
    };
    if (typeof requestAnimationFrame === "function") {
      this.frame = requestAnimationFrame(run);
    } else {
      run();
    }
  }

  private async loadPage(page: number): Promise<void> {
    if (this.cache.has(page) || this.pending.has(page)) return;
    const generation = this.generation;
    this.pending.add(page);
    try {
      const result = await this.options.fetch(page * this.pageSize, this.pageSize);
      if (generation !== this.generation) return;
      this.total = result.total;
      this.cache.set(page, result.rows);
      if (!this.sized && result.rows.length > 0) {
        this.sized = true;
        this.widths = this.measure(result.rows.map((r) => r.cells));
        this.applyWidths();
      }
    } catch (error) {
      if (generation === this.generation) this.options.onError?.(error);
    } finally {
      if (generation === this.generation) this.pending.delete(page);
    }
  }

  /** Widths for the headers (file and contract names) and `sample` rows. */
  private measure(sample: readonly (readonly string[])[]): number[] {
    const heads = this.options.columns.map((c) => [c.header, c.column ?? t("grid.unmapped")]);
    return columnWidths(heads, sample, measureText(), WIDTH_BOUNDS);
  }

  private applyWidths(): void {
    const total = ROW_NUMBER_WIDTH + this.widths.reduce((sum, w) => sum + w, 0);
    this.header.style.width = `${total}px`;
    this.spacer.style.width = `${total}px`;
    this.headCells.forEach((cell, index) => (cell.style.width = `${this.widths[index] ?? WIDTH_BOUNDS.min}px`));
  }

  /** Each column's width in px (for tests). */
  columnWidths(): readonly number[] {
    return this.widths;
  }

  /** The row at a view position, when its page is loaded. */
  rowAt(position: number): GridRowView | undefined {
    return this.cache.get(Math.floor(position / this.pageSize))?.[position % this.pageSize];
  }

  /** The rows currently in the DOM (for tests). */
  renderedCount(): number {
    return this.body.childElementCount;
  }

  render(): void {
    this.spacer.style.height = `${this.total * this.rowHeight}px`;
    this.status.textContent = this.total === 0 ? t("grid.empty") : t("grid.rows", { count: this.total });
    const { first, last } = visibleRange(
      this.viewport.scrollTop,
      this.viewportHeight(),
      this.rowHeight,
      this.total,
      this.buffer,
    );
    const wanted = pagesFor(first, last, this.pageSize);
    for (const page of pagesToEvict(this.cache.keys(), wanted, MAX_CACHED_PAGES)) this.cache.delete(page);
    const missing = wanted.filter((p) => !this.cache.has(p) && !this.pending.has(p));
    if (missing.length > 0) {
      const generation = this.generation;
      void Promise.all(missing.map((p) => this.loadPage(p))).then(() => {
        if (generation === this.generation) this.render();
      });
    }
    const rows: HTMLElement[] = [];
    for (let position = first; position < last; position += 1) {
      rows.push(this.renderRow(position));
    }
    this.body.replaceChildren(...rows);
  }

  private renderRow(position: number): HTMLElement {
    const data = this.rowAt(position);
    const el = h("div", {
      class: position === this.selectedPosition ? "grid-row selected" : "grid-row",
      role: "row",
      "aria-rowindex": position + 2,
    });
    el.style.transform = `translateY(${position * this.rowHeight}px)`;
    el.style.height = `${this.rowHeight}px`;
    if (data === undefined) {
      el.classList.add("loading");
      el.append(h("div", { class: "grid-rownum", role: "rowheader" }, "…"));
      return el;
    }
    el.dataset["row"] = String(data.row);
    const rowHasError = data.issues.some((i) => i.severity === "error");
    el.append(h("div", { class: rowHasError ? "grid-rownum has-error" : "grid-rownum", role: "rowheader" }, data.row));
    this.options.columns.forEach((_column, index) => {
      const issues = data.issues.filter((i) => i.index === index);
      const severity = issues.some((i) => i.severity === "error") ? "error" : issues.length > 0 ? "warning" : null;
      const value = data.cells[index] ?? "";
      const corrected = data.corrected.includes(index);
      const classes = ["grid-cell", severity ? `cell-${severity}` : "", corrected ? "cell-corrected" : ""].filter(Boolean).join(" ");
      const cell = h(
          "div",
          {
            class: classes,
            role: "gridcell",
            dir: "auto",
            "data-testid": `grid-cell-${data.row}-${index}`,
            title: issues.length > 0 ? issues.map(issueMessage).join("\n") : value,
            "aria-invalid": severity === "error" ? "true" : null,
          },
          value,
        );
      cell.style.width = `${this.widths[index] ?? WIDTH_BOUNDS.min}px`;
      if (corrected && issues.length === 0) cell.title = `${t("load.correctionNew")}: ${value}`;
      cell.addEventListener("click", () => this.options.onCellSelect?.(data, index));
      el.append(cell);
    });
    // whole-row issues (no column index, or one outside the columns, e.g. duplicate_key)
    const rowIssues = data.issues.filter((i) => i.index === null || i.index < 0 || i.index >= this.options.columns.length);
    if (rowIssues.length > 0) el.title = rowIssues.map(issueMessage).join("\n");
    el.addEventListener("click", () => {
      this.select(position);
      this.options.onRowSelect?.(data, position);
    });
    return el;
  }

  select(position: number): void {
    this.selectedPosition = position;
    this.render();
  }

  /** Scroll so that a view position is visible and select it. */
  async scrollToPosition(position: number): Promise<void> {
    const top = scrollToShow(position, this.viewport.scrollTop, this.viewportHeight(), this.rowHeight);
    this.viewport.scrollTop = top;
    await this.loadPage(Math.floor(position / this.pageSize));
    this.select(position);
    this.status.textContent = t("grid.at", { position: formatNumber(position + 1), count: this.total });
  }

  private onKey(event: KeyboardEvent): void {
    const current = this.selectedPosition ?? -1;
    let next: number | null = null;
    if (event.key === "ArrowDown") next = Math.min(this.total - 1, current + 1);
    if (event.key === "ArrowUp") next = Math.max(0, current - 1);
    if (event.key === "Home" && event.ctrlKey) next = 0;
    if (event.key === "End" && event.ctrlKey) next = this.total - 1;
    if (next !== null && next >= 0) {
      event.preventDefault();
      void this.scrollToPosition(next).then(() => {
        const row = this.rowAt(next);
        if (row) this.options.onRowSelect?.(row, next);
      });
    }
  }
}
