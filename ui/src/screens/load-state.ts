// The Load screen's state, kept outside the DOM so it survives re-rendering
// (language change, switching screens) and can be tested on its own.
import type { ErrorPayload, FileEvent, FileId, FileSummary, GridRowView, OpenedFile, RowFilter, SubmitBlock } from "../backend";

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
    } else if (event.kind === "preview") {
      entry.preview = { headers: event.headers, rows: event.rows };
    } else if (event.kind === "done") {
      entry.summary = event.summary;
      entry.error = null;
      entry.file = {
        ...entry.file,
        status: event.summary.status,
        dataset: event.summary.dataset,
        period: event.summary.period,
        submitBlock: event.summary.submitBlock,
      };
    } else {
      // The core says where the file stands now (needs a dataset, or unusable).
      entry.error = event.error;
      entry.file = event.file;
    }
    this.changed(event.fileId);
  }

  /** A file being validated again after the clerk's edit: its summary stays
   * shown until the new one arrives. */
  editing(opened: OpenedFile): void {
    const entry = this.entry(opened.id);
    if (!entry) return;
    entry.file = opened;
    entry.error = null;
    entry.rowsDone = 0;
    this.changed(opened.id);
  }

  /** Mark a file as being validated again (new dataset). */
  revalidating(id: FileId, dataset: string): void {
    const entry = this.entry(id);
    if (!entry) return;
    entry.file = { ...entry.file, dataset, status: "validating", submitBlock: "validating" };
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
      return { kind: "errors", count: s.errors > 0 ? s.errors : s.invalidRows };
    }
    default:
      return { kind: "valid" };
  }
}

/** Why "Submit for approval" is disabled, or null when it may be used: the
 * core's reason for the file, else offline when there is no database. */
export function submitBlock(entry: FileEntry | undefined, online: boolean): SubmitBlock | null {
  if (!entry) return "no_file";
  return entry.file.submitBlock ?? (online ? null : "offline");
}

/** A default name for the error report of a file. */
export function reportName(fileName: string, ext: "xlsx" | "csv" = "xlsx"): string {
  const base = fileName.replace(/\.[^./\\]+$/, "");
  return `${base}-errors.${ext}`;
}
