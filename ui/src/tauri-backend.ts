// The `Backend` over Tauri's `invoke` and `Channel`, following docs/app-api.md.
// Stands in until `backend.ts` (generated bindings) lands; then main.ts can
// adapt that one instead.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { Backend, DropSource, FileEvent } from "./model";

function channel<T>(onMessage: (message: T) => void): Channel<T> {
  const c = new Channel<T>();
  c.onmessage = onMessage;
  return c;
}

export const tauriBackend: Backend = {
  listContracts: () => invoke("list_contracts"),
  pickFiles: () => invoke("pick_files"),
  openFiles: (paths, onEvent) => invoke("open_files", { paths, onEvent: channel<FileEvent>(onEvent) }),
  setFileDataset: (fileId, dataset, onEvent) => invoke("set_file_dataset", { fileId, dataset, onEvent: channel<FileEvent>(onEvent) }),
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
  submitFile: (fileId, period) => invoke("submit_file", { fileId, period }),
  listRequests: (status) => invoke("list_requests", { status }),
  requestDetail: (requestId) => invoke("request_detail", { requestId }),
  approveRequest: (requestId, note, onStep) =>
    invoke("approve_request", { requestId, note, onEvent: channel<{ kind: string; step: string }>((e) => onStep(e.step)) }),
  rejectRequest: (requestId, note) => invoke("reject_request", { requestId, note }),
  versionsCalendar: (months) => invoke("versions_calendar", { months }),
  listVersions: (dataset, period) => invoke("list_versions", { dataset, period }),
  rollback: (dataset, period, version) => invoke("rollback", { dataset, period, version }),
  auditLog: (filter, limit) => invoke("audit_log", { filter, limit }),
  getSettings: () => invoke("get_settings"),
  saveSettings: (settings) => invoke("save_settings", { settings }),
};

/** Files dropped on the window (Tauri's webview drag-drop event). */
export const tauriDrop: DropSource = {
  async listen(onDrop, onHover) {
    const { getCurrentWebview } = await import("@tauri-apps/api/webview");
    return getCurrentWebview().onDragDropEvent((event) => {
      const payload = event.payload;
      if (payload.type === "enter" || payload.type === "over") onHover(true);
      else if (payload.type === "leave") onHover(false);
      else if (payload.type === "drop") {
        onHover(false);
        onDrop(payload.paths);
      }
    });
  },
};
