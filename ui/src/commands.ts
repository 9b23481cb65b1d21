// Every Tauri command of `src-tauri` (registered in its `lib.rs`), with its
// arguments and result typed against the generated bindings: `call` accepts
// only these names and shapes, so a renamed command or argument fails `tsc`.
// A Rust test (`src-tauri/src/bindings.rs`) checks this table against the
// registered commands and their argument names; keep one command per line.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { ApproveEvent } from "./bindings/ApproveEvent";
import type { Approved } from "./bindings/Approved";
import type { AuditFilter } from "./bindings/AuditFilter";
import type { AuditView } from "./bindings/AuditView";
import type { ConnectionStatus } from "./bindings/ConnectionStatus";
import type { ContractPlan } from "./bindings/ContractPlan";
import type { ContractSummary } from "./bindings/ContractSummary";
import type { FileEvent } from "./bindings/FileEvent";
import type { FileSummary } from "./bindings/FileSummary";
import type { GridPage } from "./bindings/GridPage";
import type { IssuePage } from "./bindings/IssuePage";
import type { LoginRole } from "./bindings/LoginRole";
import type { LoginView } from "./bindings/LoginView";
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
import type { SubmitResult } from "./bindings/SubmitResult";
import type { VersionView } from "./bindings/VersionView";
import type { VersionsCalendar } from "./bindings/VersionsCalendar";

/** Command name -> its arguments (camelCase, as Tauri takes them) and result. */
export interface Commands {
  list_contracts: { args: {}; result: ContractSummary[] };
  pick_files: { args: {}; result: string[] };
  pick_save_path: { args: { defaultName: string }; result: string | null };
  open_files: { args: { paths: string[]; onEvent: Channel<FileEvent> }; result: OpenedFile[] };
  set_file_dataset: { args: { fileId: number; dataset: string; onEvent: Channel<FileEvent> }; result: OpenedFile };
  set_file_period: { args: { fileId: number; period: string }; result: OpenedFile };
  cancel_validation: { args: { fileId: number }; result: void };
  close_file: { args: { fileId: number }; result: void };
  file_summary: { args: { fileId: number }; result: FileSummary };
  file_rows: { args: { fileId: number; start: number; count: number; filter: RowFilter }; result: GridPage };
  file_issues: { args: { fileId: number; start: number; count: number; filter: RowFilter }; result: IssuePage };
  next_issue: { args: { fileId: number; afterRow: number; filter: RowFilter }; result: NextIssue | null };
  export_report: { args: { fileId: number; path: string }; result: void };
  connection_status: { args: {}; result: ConnectionStatus };
  sign_in: { args: { user: string; password: string; remember: boolean }; result: ConnectionStatus };
  sign_out: { args: {}; result: ConnectionStatus };
  submit_file: { args: { fileId: number; period: string | null }; result: SubmitResult };
  list_requests: { args: { status: RequestStatus | null }; result: RequestView[] };
  request_detail: { args: { requestId: number }; result: RequestDetail };
  approve_request: { args: { requestId: number; note: string | null; onEvent: Channel<ApproveEvent> }; result: Approved };
  reject_request: { args: { requestId: number; note: string }; result: void };
  versions_calendar: { args: { months: number }; result: VersionsCalendar };
  list_versions: { args: { dataset: string; period: string }; result: VersionView[] };
  rollback: { args: { dataset: string; period: string; version: number }; result: number };
  audit_log: { args: { filter: AuditFilter; limit: number }; result: AuditView[] };
  get_settings: { args: {}; result: Settings };
  save_settings: { args: { settings: Settings }; result: SavedSettings };
  pick_ca_file: { args: {}; result: string | null };
  list_logins: { args: {}; result: LoginView[] };
  add_login: { args: { login: string; role: LoginRole; password: string }; result: void };
  disable_login: { args: { login: string }; result: void };
  enable_login: { args: { login: string }; result: void };
  set_login_role: { args: { login: string; role: LoginRole }; result: void };
  set_login_password: { args: { login: string; password: string }; result: void };
  contract_plans: { args: {}; result: ContractPlan[] };
  apply_contracts: { args: {}; result: ContractPlan[] };
  set_file_mapping: { args: { fileId: number; header: string; column: string | null; remember: boolean; onEvent: Channel<FileEvent> }; result: OpenedFile };
  correct_cell: { args: { fileId: number; row: number; column: string; value: string; onEvent: Channel<FileEvent> }; result: OpenedFile };
  replace_in_column: { args: { fileId: number; column: string; from: string; to: string; onEvent: Channel<FileEvent> }; result: OpenedFile };
  clear_corrections: { args: { fileId: number; onEvent: Channel<FileEvent> }; result: OpenedFile };
  file_profile: { args: { fileId: number }; result: Profile | null };
  request_profiles: { args: { requestId: number }; result: ProfileComparison };
}

export type CommandName = keyof Commands;

type ArgsOf<K extends CommandName> = keyof Commands[K]["args"] extends never ? [] : [Commands[K]["args"]];

/** Invokes a command by its typed name; rejects with an `ErrorPayload`. */
export function call<K extends CommandName>(command: K, ...args: ArgsOf<K>): Promise<Commands[K]["result"]> {
  return invoke<Commands[K]["result"]>(command, args[0]);
}

/** A channel that hands each message to `onMessage`. */
export function channel<T>(onMessage: (message: T) => void): Channel<T> {
  const c = new Channel<T>();
  c.onmessage = onMessage;
  return c;
}
