// The Load screen's state, kept outside the DOM so it survives re-rendering
// (language change, switching screens) and can be tested on its own.
import type { ErrorPayload, FileEvent, FileId, FileSummary, GridRowView, OpenedFile, RowFilter } from "../backend";

/** The headers and first rows of a file, shown while it is still validating. */
export interface FilePreview {
  headers: string[];
  rows: GridRowView[];
}

export interface FileEntry {
  file: OpenedFile;
  summary: FileSummary | null;
  rowsDone: number;
  error: ErrorPayload | null;
  preview: FilePreview | null;
}

export type DisplayStatus =
  | { kind: "validating"; rowsDone: number }
  | { kind: "valid" }
  | { kind: "errors"; count: number }
  | { kind: "unusable" }
  | { kind: "needs_dataset" };

export class LoadState {
  files: FileEntry[] = [];
  selected: FileId | null = null;
  filter: RowFilter = { onlyIssues: false, code: null, column: null };
  private listeners = new Set<(id: FileId | null) => void>();

  subscribe(listener: (id: FileId | null) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(id: FileId | null): void {
    for (const listener of this.listeners) listener(id);
  }

  entry(id: FileId | null): FileEntry | undefined {
    return this.files.find((f) => f.file.id === id);
  }

  add(opened: readonly OpenedFile[]): void {
    for (const file of opened) {
      const existing = this.entry(file.id);
      if (existing) {
        existing.file = file;
      } else {
        this.files.push({ file, summary: null, rowsDone: 0, error: null, preview: null });
      }
    }
    if (this.selected === null && opened[0]) this.selected = opened[0].id;
    this.changed(null);
  }

  remove(id: FileId): void {
    this.files = this.files.filter((f) => f.file.id !== id);
    if (this.selected === id) this.selected = this.files[0]?.file.id ?? null;
    this.changed(null);
  }

  /** Apply one validation event. */
  apply(event: FileEvent): void {
    const entry = this.entry(event.fileId);
    if (!entry) return;
    if (event.kind === "progress") {
      entry.rowsDone = event.rowsDone;
      entry.file = { ...entry.file, status: "validating" };
    } else if (event.kind === "preview") {
      entry.preview = { headers: event.headers, rows: event.rows };
    } else if (event.kind === "done") {
      entry.summary = event.summary;
      entry.error = null;
      entry.file = {
        ...entry.file,
        status: event.summary.status,
        dataset: event.summary.dataset,
        period: event.summary.period ?? entry.file.period,
      };
    } else {
      entry.error = event.error;
      const status = event.error.code === "dataset_not_recognised" || event.error.code === "unknown_dataset" ? "needs_dataset" : "unusable";
      entry.file = { ...entry.file, status };
    }
    this.changed(event.fileId);
  }

  /** Mark a file as being validated again (new dataset). */
  revalidating(id: FileId, dataset: string): void {
    const entry = this.entry(id);
    if (!entry) return;
    entry.file = { ...entry.file, dataset, status: "validating" };
    entry.summary = null;
    entry.error = null;
    entry.rowsDone = 0;
    this.changed(id);
  }
}

/** The status a file row shows. */
export function displayStatus(entry: FileEntry): DisplayStatus {
  switch (entry.file.status) {
    case "validating":
      return { kind: "validating", rowsDone: entry.rowsDone };
    case "needs_dataset":
      return { kind: "needs_dataset" };
    case "unusable":
      return { kind: "unusable" };
    case "invalid": {
      const s = entry.summary;
      if (!s) return { kind: "errors", count: 0 };
      const issues = Object.values(s.summary).reduce((a, b) => a + b, 0) - s.warnings;
      return { kind: "errors", count: issues > 0 ? issues : s.invalidRows };
    }
    default:
      return { kind: "valid" };
  }
}

/** Why "Submit for approval" is disabled, as a message key suffix, or null when it may be used. */
export function submitBlock(entry: FileEntry | undefined, online: boolean): string | null {
  if (!entry) return "no_file";
  if (entry.file.status === "validating") return "validating";
  if (entry.file.status === "needs_dataset") return "needs_dataset";
  if (entry.file.status === "unusable") return "unusable";
  if (!entry.summary) return "validating";
  if (entry.summary.submitBlockedReason) return entry.summary.submitBlockedReason;
  if (!online) return "offline";
  return null;
}

/** Issue codes sorted by count, largest first, for the chart and the code filter. */
export function codesByCount(summary: Record<string, number>): { code: string; count: number }[] {
  return Object.entries(summary)
    .map(([code, count]) => ({ code, count }))
    .filter((c) => c.count > 0)
    .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

/** A default name for the error report of a file. */
export function reportName(fileName: string, ext: "xlsx" | "csv" = "xlsx"): string {
  const base = fileName.replace(/\.[^./\\]+$/, "");
  return `${base}-errors.${ext}`;
}
