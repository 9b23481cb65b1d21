// Every command of docs/app-api.md, typed with the bindings generated from the
// Rust types (`bindings/`, ts-rs; a Rust test fails when they are stale), and
// `tauriBackend`, the implementation over the typed `call` of `commands.ts`.
// Every promise rejects with an `ErrorPayload` ({ code, message, params });
// `isErrorPayload` recognises one.
import { call, channel } from "./commands";
import type { ApproveBlock } from "./bindings/ApproveBlock";
import type { ApproveEvent } from "./bindings/ApproveEvent";
import type { Approved } from "./bindings/Approved";
import type { AuditFilter } from "./bindings/AuditFilter";
import type { AuditView } from "./bindings/AuditView";
import type { ConnectionStatus } from "./bindings/ConnectionStatus";
import type { ContractSummary } from "./bindings/ContractSummary";
import type { CodeCount } from "./bindings/CodeCount";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { FileEvent } from "./bindings/FileEvent";
import type { FileSummary } from "./bindings/FileSummary";
import type { GridPage } from "./bindings/GridPage";
import type { GridRowView } from "./bindings/GridRowView";
import type { IssueCode } from "./bindings/IssueCode";
import type { IssuePage } from "./bindings/IssuePage";
import type { NextIssue } from "./bindings/NextIssue";
import type { OpenedFile } from "./bindings/OpenedFile";
import type { Profile } from "./bindings/Profile";
import type { ProfileComparison } from "./bindings/ProfileComparison";
import type { RequestDetail } from "./bindings/RequestDetail";
import type { RequestStatus } from "./bindings/RequestStatus";
import type { RequestView } from "./bindings/RequestView";
import type { RowFilter } from "./bindings/RowFilter";
import type { SavedSettings } from "./bindings/SavedSettings";
import type { Settings } from "./bindings/Settings";
import type { SubmitBlock } from "./bindings/SubmitBlock";
import type { SubmitResult } from "./bindings/SubmitResult";
import type { VersionView } from "./bindings/VersionView";
import type { VersionsCalendar } from "./bindings/VersionsCalendar";

export type {
  ApproveBlock,
  ApproveEvent,
  Approved,
  AuditFilter,
  AuditView,
  ConnectionStatus,
  CodeCount,
  ContractSummary,
  ErrorCode,
  ErrorPayload,
  FileEvent,
  FileSummary,
  GridPage,
  GridRowView,
  IssueCode,
  IssuePage,
  NextIssue,
  OpenedFile,
  Profile,
  ProfileComparison,
  RequestDetail,
  RequestView,
  RowFilter,
  SavedSettings,
  Settings,
  SubmitBlock,
  SubmitResult,
  VersionView,
  VersionsCalendar,
};

/** Whether a rejected value is an `ErrorPayload` from a command. */
export function isErrorPayload(value: unknown): value is ErrorPayload {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return typeof record["code"] === "string" && typeof record["message"] === "string";
}

/** The id the app gives an opened file. */
export type FileId = number;

/** Everything the UI asks of the app (one method per command, same order as docs/app-api.md). */
export interface Backend {
  listContracts(): Promise<ContractSummary[]>;

  // Files (offline).
  pickFiles(): Promise<string[]>;
  openFiles(paths: string[], onEvent: (event: FileEvent) => void): Promise<OpenedFile[]>;
  setFileDataset(fileId: FileId, dataset: string, onEvent: (event: FileEvent) => void): Promise<OpenedFile>;
  setFilePeriod(fileId: FileId, period: string): Promise<OpenedFile>;
  /** Maps a header to a contract column (null: ignored) and validates the file again. */
  setFileMapping(fileId: FileId, header: string, column: string | null, remember: boolean, onEvent: (event: FileEvent) => void): Promise<OpenedFile>;
  /** Gives one cell a new value and validates the file again. */
  correctCell(fileId: FileId, row: number, column: string, value: string, onEvent: (event: FileEvent) => void): Promise<OpenedFile>;
  /** Replaces a value in every cell of a column and validates the file again. */
  replaceInColumn(fileId: FileId, column: string, from: string, to: string, onEvent: (event: FileEvent) => void): Promise<OpenedFile>;
  /** Drops every correction of a file (its mappings stay) and validates it again. */
  clearCorrections(fileId: FileId, onEvent: (event: FileEvent) => void): Promise<OpenedFile>;
  cancelValidation(fileId: FileId): Promise<void>;
  closeFile(fileId: FileId): Promise<void>;
  fileSummary(fileId: FileId): Promise<FileSummary>;
  fileRows(fileId: FileId, start: number, count: number, filter: RowFilter): Promise<GridPage>;
  fileIssues(fileId: FileId, start: number, count: number, filter: RowFilter): Promise<IssuePage>;
  nextIssue(fileId: FileId, afterRow: number, filter: RowFilter): Promise<NextIssue | null>;
  exportReport(fileId: FileId, path: string): Promise<void>;
  pickSavePath(defaultName: string): Promise<string | null>;
  /** The profile of an opened file; `null` until its validation is done. */
  fileProfile(fileId: FileId): Promise<Profile | null>;

  // Database (online).
  connectionStatus(): Promise<ConnectionStatus>;
  signIn(user: string, password: string, remember: boolean): Promise<ConnectionStatus>;
  signOut(): Promise<ConnectionStatus>;
  submitFile(fileId: FileId, period: string | null): Promise<SubmitResult>;
  listRequests(status: RequestStatus | null): Promise<RequestView[]>;
  requestDetail(requestId: number): Promise<RequestDetail>;
  /** A request's profile beside its baseline's, and their drift. */
  requestProfiles(requestId: number): Promise<ProfileComparison>;
  approveRequest(requestId: number, note: string | null, onEvent: (event: ApproveEvent) => void): Promise<Approved>;
  rejectRequest(requestId: number, note: string): Promise<void>;
  versionsCalendar(months: number): Promise<VersionsCalendar>;
  listVersions(dataset: string, period: string): Promise<VersionView[]>;
  /** Resolves to the id of the version made active again. */
  rollback(dataset: string, period: string, version: number): Promise<number>;
  auditLog(filter: AuditFilter, limit: number): Promise<AuditView[]>;
  getSettings(): Promise<Settings>;
  /** Resolves to where a password written in the server URL went (never settings.json). */
  saveSettings(settings: Settings): Promise<SavedSettings>;
  /** The native open dialog for a server's CA file (PEM); `null` when cancelled. */
  pickCaFile(): Promise<string | null>;
}

/** The `Backend` of the real app (command names and shapes typed in `commands.ts`). */
export const tauriBackend: Backend = {
  listContracts: () => call("list_contracts"),

  pickFiles: () => call("pick_files"),
  openFiles: (paths, onEvent) => call("open_files", { paths, onEvent: channel(onEvent) }),
  setFileDataset: (fileId, dataset, onEvent) => call("set_file_dataset", { fileId, dataset, onEvent: channel(onEvent) }),
  setFilePeriod: (fileId, period) => call("set_file_period", { fileId, period }),
  setFileMapping: (fileId, header, column, remember, onEvent) =>
    call("set_file_mapping", { fileId, header, column, remember, onEvent: channel(onEvent) }),
  correctCell: (fileId, row, column, value, onEvent) => call("correct_cell", { fileId, row, column, value, onEvent: channel(onEvent) }),
  replaceInColumn: (fileId, column, from, to, onEvent) => call("replace_in_column", { fileId, column, from, to, onEvent: channel(onEvent) }),
  clearCorrections: (fileId, onEvent) => call("clear_corrections", { fileId, onEvent: channel(onEvent) }),
  cancelValidation: (fileId) => call("cancel_validation", { fileId }),
  closeFile: (fileId) => call("close_file", { fileId }),
  fileSummary: (fileId) => call("file_summary", { fileId }),
  fileRows: (fileId, start, count, filter) => call("file_rows", { fileId, start, count, filter }),
  fileIssues: (fileId, start, count, filter) => call("file_issues", { fileId, start, count, filter }),
  nextIssue: (fileId, afterRow, filter) => call("next_issue", { fileId, afterRow, filter }),
  exportReport: (fileId, path) => call("export_report", { fileId, path }),
  pickSavePath: (defaultName) => call("pick_save_path", { defaultName }),
  fileProfile: (fileId) => call("file_profile", { fileId }),

  connectionStatus: () => call("connection_status"),
  signIn: (user, password, remember) => call("sign_in", { user, password, remember }),
  signOut: () => call("sign_out"),
  submitFile: (fileId, period) => call("submit_file", { fileId, period }),
  listRequests: (status) => call("list_requests", { status }),
  requestDetail: (requestId) => call("request_detail", { requestId }),
  requestProfiles: (requestId) => call("request_profiles", { requestId }),
  approveRequest: (requestId, note, onEvent) => call("approve_request", { requestId, note, onEvent: channel(onEvent) }),
  rejectRequest: (requestId, note) => call("reject_request", { requestId, note }),
  versionsCalendar: (months) => call("versions_calendar", { months }),
  listVersions: (dataset, period) => call("list_versions", { dataset, period }),
  rollback: (dataset, period, version) => call("rollback", { dataset, period, version }),
  auditLog: (filter, limit) => call("audit_log", { filter, limit }),
  getSettings: () => call("get_settings"),
  saveSettings: (settings) => call("save_settings", { settings }),
  pickCaFile: () => call("pick_ca_file"),
};
