// Every command of docs/app-api.md, typed with the bindings generated from the
// Rust types (`bindings/`, ts-rs; a Rust test fails when they are stale), and
// `tauriBackend`, the implementation over Tauri's `invoke` and `Channel`.
// Every promise rejects with an `ErrorPayload` ({ code, message, params });
// `isErrorPayload` recognises one.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { ApproveEvent } from "./bindings/ApproveEvent";
import type { Approved } from "./bindings/Approved";
import type { AuditFilter } from "./bindings/AuditFilter";
import type { AuditView } from "./bindings/AuditView";
import type { ConnectionStatus } from "./bindings/ConnectionStatus";
import type { ContractSummary } from "./bindings/ContractSummary";
import type { ErrorPayload } from "./bindings/ErrorPayload";
import type { FileEvent } from "./bindings/FileEvent";
import type { FileSummary } from "./bindings/FileSummary";
import type { GridPage } from "./bindings/GridPage";
import type { GridRowView } from "./bindings/GridRowView";
import type { IssuePage } from "./bindings/IssuePage";
import type { NextIssue } from "./bindings/NextIssue";
import type { OpenedFile } from "./bindings/OpenedFile";
import type { RequestDetail } from "./bindings/RequestDetail";
import type { RequestView } from "./bindings/RequestView";
import type { RowFilter } from "./bindings/RowFilter";
import type { SavedSettings } from "./bindings/SavedSettings";
import type { Settings } from "./bindings/Settings";
import type { SubmitResult } from "./bindings/SubmitResult";
import type { VersionView } from "./bindings/VersionView";
import type { VersionsCalendar } from "./bindings/VersionsCalendar";

export type {
  ApproveEvent,
  Approved,
  AuditFilter,
  AuditView,
  ConnectionStatus,
  ContractSummary,
  ErrorPayload,
  FileEvent,
  FileSummary,
  GridPage,
  GridRowView,
  IssuePage,
  NextIssue,
  OpenedFile,
  RequestDetail,
  RequestView,
  RowFilter,
  SavedSettings,
  Settings,
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
  cancelValidation(fileId: FileId): Promise<void>;
  closeFile(fileId: FileId): Promise<void>;
  fileSummary(fileId: FileId): Promise<FileSummary>;
  fileRows(fileId: FileId, start: number, count: number, filter: RowFilter): Promise<GridPage>;
  fileIssues(fileId: FileId, start: number, count: number, filter: RowFilter): Promise<IssuePage>;
  nextIssue(fileId: FileId, afterRow: number, filter: RowFilter): Promise<NextIssue | null>;
  exportReport(fileId: FileId, path: string): Promise<void>;
  pickSavePath(defaultName: string): Promise<string | null>;

  // Database (online).
  connectionStatus(): Promise<ConnectionStatus>;
  signIn(user: string, password: string, remember: boolean): Promise<ConnectionStatus>;
  signOut(): Promise<ConnectionStatus>;
  submitFile(fileId: FileId, period: string | null): Promise<SubmitResult>;
  listRequests(status: string | null): Promise<RequestView[]>;
  requestDetail(requestId: number): Promise<RequestDetail>;
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
}

function channel<T>(onMessage: (message: T) => void): Channel<T> {
  const c = new Channel<T>();
  c.onmessage = onMessage;
  return c;
}

/** The `Backend` of the real app. */
export const tauriBackend: Backend = {
  listContracts: () => invoke("list_contracts"),

  pickFiles: () => invoke("pick_files"),
  openFiles: (paths, onEvent) => invoke("open_files", { paths, onEvent: channel(onEvent) }),
  setFileDataset: (fileId, dataset, onEvent) =>
    invoke("set_file_dataset", { fileId, dataset, onEvent: channel(onEvent) }),
  setFilePeriod: (fileId, period) => invoke("set_file_period", { fileId, period }),
  cancelValidation: (fileId) => invoke("cancel_validation", { fileId }),
  closeFile: (fileId) => invoke("close_file", { fileId }),
  fileSummary: (fileId) => invoke("file_summary", { fileId }),
  fileRows: (fileId, start, count, filter) => invoke("file_rows", { fileId, start, count, filter }),
  fileIssues: (fileId, start, count, filter) => invoke("file_issues", { fileId, start, count, filter }),
  nextIssue: (fileId, afterRow, filter) => invoke("next_issue", { fileId, afterRow, filter }),
  exportReport: (fileId, path) => invoke("export_report", { fileId, path }),
  pickSavePath: (defaultName) => invoke("pick_save_path", { defaultName }),

  connectionStatus: () => invoke("connection_status"),
  signIn: (user, password, remember) => invoke("sign_in", { user, password, remember }),
  signOut: () => invoke("sign_out"),
  submitFile: (fileId, period) => invoke("submit_file", { fileId, period }),
  listRequests: (status) => invoke("list_requests", { status }),
  requestDetail: (requestId) => invoke("request_detail", { requestId }),
  approveRequest: (requestId, note, onEvent) =>
    invoke("approve_request", { requestId, note, onEvent: channel(onEvent) }),
  rejectRequest: (requestId, note) => invoke("reject_request", { requestId, note }),
  versionsCalendar: (months) => invoke("versions_calendar", { months }),
  listVersions: (dataset, period) => invoke("list_versions", { dataset, period }),
  rollback: (dataset, period, version) => invoke("rollback", { dataset, period, version }),
  auditLog: (filter, limit) => invoke("audit_log", { filter, limit }),
  getSettings: () => invoke("get_settings"),
  saveSettings: (settings) => invoke("save_settings", { settings }),
};
