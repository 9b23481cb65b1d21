// DOM building for the contract list: pure functions from data to elements,
// so they can be tested without Tauri. Text always goes in through
// `textContent`, never as HTML. Hebrew text carries `lang="he" dir="rtl"` and
// the CSS uses logical properties, so the page reads right in either direction.
import { isErrorPayload, type ContractSummary } from "./types";

/** The table's column headings, in display order. */
export const COLUMN_HEADINGS = [
  "Dataset",
  "Title",
  "Period",
  "Strategy",
  "Columns",
  "Phones",
] as const;

function cell(doc: Document, text: string, className?: string): HTMLTableCellElement {
  const td = doc.createElement("td");
  td.textContent = text;
  if (className !== undefined) {
    td.className = className;
  }
  return td;
}

function span(doc: Document, text: string, className: string, dir: "ltr" | "rtl", lang?: string): HTMLSpanElement {
  const element = doc.createElement("span");
  element.className = className;
  element.dir = dir;
  if (lang !== undefined) {
    element.lang = lang;
  }
  element.textContent = text;
  return element;
}

/** The title cell: the Hebrew title first (right-to-left), the English one under it. */
function titleCell(doc: Document, summary: ContractSummary): HTMLTableCellElement {
  const td = doc.createElement("td");
  td.className = "title";
  const hebrew = summary.title_he?.trim();
  if (hebrew) {
    td.append(span(doc, hebrew, "title-he", "rtl", "he"));
    if (summary.title.trim() !== "") {
      td.append(span(doc, summary.title, "title-en", "ltr", "en"));
    }
  } else {
    td.append(span(doc, summary.title, "title-he title-fallback", "ltr", "en"));
  }
  return td;
}

/** One table row for one contract. */
export function renderContractRow(doc: Document, summary: ContractSummary): HTMLTableRowElement {
  const row = doc.createElement("tr");
  row.dataset["dataset"] = summary.dataset;

  const dataset = doc.createElement("td");
  dataset.className = "dataset";
  const code = doc.createElement("code");
  code.dir = "ltr";
  code.textContent = summary.dataset;
  dataset.append(code);
  if (summary.file !== "") {
    dataset.title = summary.file;
  }

  row.append(
    dataset,
    titleCell(doc, summary),
    cell(doc, summary.period, "enum"),
    cell(doc, summary.strategy, "enum"),
    cell(doc, String(summary.columns), "num"),
    cell(doc, String(summary.phones), "num"),
  );
  return row;
}

/** The contracts table: a heading row and one row per contract. */
export function renderContractsTable(doc: Document, summaries: readonly ContractSummary[]): HTMLTableElement {
  const table = doc.createElement("table");
  table.className = "contracts";
  const headRow = doc.createElement("tr");
  for (const heading of COLUMN_HEADINGS) {
    const th = doc.createElement("th");
    th.scope = "col";
    th.textContent = heading;
    if (heading === "Columns" || heading === "Phones") {
      th.className = "num";
    }
    headRow.append(th);
  }
  const head = doc.createElement("thead");
  head.append(headRow);
  const body = doc.createElement("tbody");
  body.append(...summaries.map((summary) => renderContractRow(doc, summary)));
  table.append(head, body);
  return table;
}

/** "1 contract", "4 contracts". */
export function countLabel(count: number): string {
  return count === 1 ? "1 contract" : `${count} contracts`;
}

/** What the contracts section shows for a list: a count and the table, or an empty note. */
export function renderContracts(doc: Document, summaries: readonly ContractSummary[]): HTMLElement[] {
  const status = doc.createElement("p");
  status.className = "status";
  status.setAttribute("role", "status");
  if (summaries.length === 0) {
    status.textContent = "No contracts found.";
    return [status];
  }
  status.textContent = countLabel(summaries.length);
  return [status, renderContractsTable(doc, summaries)];
}

/** The message to show for a rejected command: the payload's message, or the value as text. */
export function errorMessage(error: unknown): string {
  if (isErrorPayload(error)) {
    return error.message;
  }
  if (error instanceof Error) {
    return error.message;
  }
  return String(error);
}

/** An alert box for a failed command, keeping the error code for support. */
export function renderError(doc: Document, error: unknown): HTMLElement {
  const box = doc.createElement("div");
  box.className = "error";
  box.setAttribute("role", "alert");
  const title = doc.createElement("p");
  title.className = "error-title";
  title.textContent = "Could not load the contracts";
  const message = doc.createElement("pre");
  message.className = "error-message";
  message.dir = "auto";
  message.textContent = errorMessage(error);
  box.append(title, message);
  if (isErrorPayload(error)) {
    box.dataset["code"] = error.code;
  }
  return box;
}
