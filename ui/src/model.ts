// The shapes of docs/app-api.md as the screens use them, and the `Backend`
// interface the screens take as a parameter (so they run in Vitest against a
// fake). Written by hand from the API document until the generated bindings in
// `bindings/` and `backend.ts` land; `backend-adapter.ts` maps the real backend
// onto this interface.
import type { ContractSummary, ErrorPayload } from "./types";

export type { ContractSummary, ErrorPayload };

/** Opaque id of an opened file (a number or a string, whichever the app sends). */
export type FileId = number | string;
export type FileStatus = "validating" | "valid" | "invalid" | "unusable" | "needs_dataset";
export type Severity = "error" | "warning";

export interface OpenedFile {
  id: FileId;
  name: string;
  dataset: string | null;
  period: string | null;
  status: FileStatus;
}

/** One finding (SPEC §4). */
export interface Issue {
  row: number | null;
  column: string | null;
  header: string | null;
  code: string;
  severity: Severity;
  value: string | null;
  message: string;
}

export interface ColumnMapping {
  header: string;
  column: string | null;
  index: number;
}

export interface FileSummary {
  fileId: FileId;
  name: string;
  sheet: string | null;
  dataset: string | null;
  period: string | null;
  status: FileStatus;
  rows: number;
  validRows: number;
  invalidRows: number;
  warnings: number;
  summary: Record<string, number>;
  columns: ColumnMapping[];
  fileIssues: Issue[];
  submitBlockedReason: string | null;
}

export type FileEvent =
  | { kind: "progress"; fileId: FileId; rowsDone: number }
  | { kind: "done"; fileId: FileId; summary: FileSummary }
  | { kind: "failed"; fileId: FileId; error: ErrorPayload };

export interface RowFilter {
  onlyIssues: boolean;
  code: string | null;
  column: string | null;
}

export interface CellIssue {
  index: number;
  code: string;
  severity: Severity;
  message: string;
}

export interface GridRow {
  row: number;
  cells: string[];
  issues: CellIssue[];
}

export interface GridPage {
  total: number;
  start: number;
  rows: GridRow[];
}

export interface IssuePage {
  total: number;
  issues: Issue[];
}

export interface NextIssue {
  position: number;
  row: number;
}

export interface ConnectionStatus {
  mode: "embedded" | "server";
  connected: boolean;
  user: string | null;
  roles: string[];
  message: string | null;
}

export interface SubmitResult {
  requestId: number;
  stagedRows: number;
  warnings: Issue[];
}

export interface RequestRow {
  requestId: number;
  dataset: string;
  period: string | null;
  fileName: string;
  status: string;
  submittedBy: string;
  submittedAt: string;
  decidedBy?: string | null;
  decidedAt?: string | null;
  decisionNote?: string | null;
  rows: number;
  invalidRows?: number;
  warnings?: Issue[];
}

/** The SPEC §4 report, as the core serialises it (snake_case). */
export interface Report {
  dataset: string | null;
  file: string;
  sheet: string | null;
  status: "valid" | "invalid" | "unusable";
  rows: number;
  valid_rows: number;
  invalid_rows: number;
  warnings: number;
  summary: Record<string, number>;
  issues: Issue[];
}

export interface ChangedRow {
  key: string;
  before: Record<string, string | null>;
  after: Record<string, string | null>;
}

export interface ChangePreview {
  added: number;
  removed: number;
  changed: number;
  unchanged?: number;
  changedColumns: string[];
  sample: ChangedRow[];
}

export interface RowCountPoint {
  period: string;
  rows: number;
}

export interface RequestDetail {
  request: RequestRow;
  report: Report;
  preview: ChangePreview;
  history: RowCountPoint[];
}

export interface ApproveResult {
  versionId: number;
  version: number;
  rows: number;
}

export interface CalendarDataset {
  dataset: string;
  title: string;
  titleHe: string | null;
  period: string;
}

export interface CalendarCell {
  dataset: string;
  period: string;
  version: number | null;
  rows: number | null;
}

export interface VersionsCalendar {
  datasets: CalendarDataset[];
  periods: string[];
  cells: CalendarCell[];
}

export interface VersionRow {
  versionId?: number;
  dataset: string;
  period: string;
  version: number;
  active: boolean;
  rows: number;
  submittedBy: string | null;
  approvedBy: string | null;
  createdAt: string;
  activatedAt?: string | null;
}

export interface AuditFilter {
  actor: string | null;
  dataset: string | null;
  action: string | null;
  from: string | null;
  to: string | null;
}

export interface AuditRow {
  id?: number;
  at: string;
  actor: string;
  action: string;
  dataset: string | null;
  period?: string | null;
  detail?: unknown;
}

export type Language = "he" | "en";
export type Theme = "light" | "dark" | "system";

export interface Settings {
  databaseUrl: string | null;
  user: string | null;
  language: Language;
  theme: Theme;
}

/** Everything the screens ask of the app. */
export interface Backend {
  listContracts(): Promise<ContractSummary[]>;
  pickFiles(): Promise<string[]>;
  openFiles(paths: string[], onEvent: (event: FileEvent) => void): Promise<OpenedFile[]>;
  setFileDataset(fileId: FileId, dataset: string, onEvent: (event: FileEvent) => void): Promise<unknown>;
  setFilePeriod(fileId: FileId, period: string): Promise<OpenedFile>;
  cancelValidation(fileId: FileId): Promise<void>;
  closeFile(fileId: FileId): Promise<void>;
  fileSummary(fileId: FileId): Promise<FileSummary>;
  fileRows(fileId: FileId, start: number, count: number, filter: RowFilter): Promise<GridPage>;
  fileIssues(fileId: FileId, start: number, count: number, filter: RowFilter): Promise<IssuePage>;
  nextIssue(fileId: FileId, afterRow: number, filter: RowFilter): Promise<NextIssue | null>;
  exportReport(fileId: FileId, path: string): Promise<void>;
  pickSavePath(defaultName: string): Promise<string | null>;
  connectionStatus(): Promise<ConnectionStatus>;
  signIn(user: string, password: string, remember: boolean): Promise<unknown>;
  submitFile(fileId: FileId, period: string | null): Promise<SubmitResult>;
  listRequests(status: string | null): Promise<RequestRow[]>;
  requestDetail(requestId: number): Promise<RequestDetail>;
  approveRequest(requestId: number, note: string, onStep: (step: string) => void): Promise<ApproveResult>;
  rejectRequest(requestId: number, note: string): Promise<unknown>;
  versionsCalendar(months: number): Promise<VersionsCalendar>;
  listVersions(dataset: string, period: string): Promise<VersionRow[]>;
  rollback(dataset: string, period: string, version: number): Promise<unknown>;
  auditLog(filter: AuditFilter, limit: number): Promise<AuditRow[]>;
  getSettings(): Promise<Settings>;
  saveSettings(settings: Settings): Promise<unknown>;
}

/** The window's file drop, kept apart so tests need no Tauri. */
export interface DropSource {
  listen(onDrop: (paths: string[]) => void, onHover: (over: boolean) => void): Promise<() => void>;
}

export const SUPERVISOR_ROLE = "citizen_supervisor";
