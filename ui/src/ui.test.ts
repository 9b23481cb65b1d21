// Unit tests of the screens' view logic, with a fake backend (no Tauri).
import { beforeEach, describe, expect, it } from "vitest";
import { startApp } from "./app";
import { toLanguage, toTheme } from "./appearance";
import type { ApproveBlock, Backend, ConnectionStatus, ErrorCode, FileEvent, FileSummary, GridPage, IssueCode, OpenedFile, RequestView, Settings, SubmitBlock } from "./backend";
import { linePoints, niceMax, scale, barChart } from "./charts";
import { pagesFor, pagesToEvict, scrollToShow, visibleRange } from "./grid-math";
import { catalogs, formatNumber, issueCodeLabel, issueKey, issueMessage, setLanguage, t, translateError } from "./i18n";
import { en } from "./i18n/en";
import { he } from "./i18n/he";
import { auditFilter } from "./screens/activity";
import { canApprove, sampleChanges } from "./screens/approvals";
import { displayStatus, LoadState, reportName, submitBlock } from "./screens/load-state";
import { rowSeries } from "./screens/versions";

// The generated unions at run time: each object must name every member and no
// other (its type says so), so these cannot drift from the Rust enums.
const members = <T extends string>(all: Record<T, true>): T[] => Object.keys(all) as T[];
const ISSUE_CODES = members<IssueCode>({
  missing_column: true, duplicate_column: true, unknown_column: true, required: true, type: true, pattern: true, allowed: true, min: true, max: true,
  min_length: true, max_length: true, israeli_id: true, phone: true, email: true, duplicate_key: true, empty_file: true, encoding: true, unreadable: true,
  min_rows: true, row_change: true, too_large: true,
});
const ERROR_CODES = members<ErrorCode>({
  io: true, invalid_contract: true, no_contracts: true, unknown_dataset: true, dataset_not_recognised: true, report_write: true, report_format: true,
  postgres_missing: true, cluster: true, unreachable: true, database: true, tls_untrusted: true, tls_untrusted_system: true, tls_name_mismatch: true,
  tls_not_offered: true, tls_required: true, tls_ca_file: true, tls: true, four_eyes: true, not_pending: true, contract_version: true, duplicate_file: true,
  not_found: true, rollback_unreachable: true, missing_role: true, note_required: true, permission_denied: true, append_only: true, stage_changed: true,
  invalid_request: true, login_invalid: true, login_protected: true, last_admin: true, login_exists: true, invalid_file: true, bad_period: true, unsafe_contract_change: true, file_not_open: true, cancelled: true, offline: true, settings: true,
  keyring_unavailable: true, sign_in_required: true, sign_in: true, unreadable: true, internal: true,
  password_too_short: true,
  invalid_edit: true,
});
const SUBMIT_BLOCKS = members<SubmitBlock>({ no_file: true, validating: true, needs_dataset: true, unusable: true, invalid: true, period_required: true, offline: true });
const APPROVE_BLOCKS = members<ApproveBlock>({ offline: true, missing_role: true, not_pending: true, four_eyes: true });

describe("i18n", () => {
  it("has the same keys in Hebrew and English", () => {
    expect(Object.keys(he).sort()).toEqual(Object.keys(en).sort());
    for (const [key, value] of Object.entries(he)) expect(value.trim(), key).not.toBe("");
  });
  it("says every code in both languages, and keeps no sentence for a code the core does not send", () => {
    const wanted = [
      ...ISSUE_CODES.map((c) => `code.${c}`),
      ...ERROR_CODES.map((c) => `error.${c}`),
      ...SUBMIT_BLOCKS.map((c) => `submit.blocked.${c}`),
      ...APPROVE_BLOCKS.map((c) => `approvals.blocked.${c}`),
    ];
    for (const key of wanted) for (const lang of ["he", "en"] as const) expect((catalogs[lang] as Record<string, string>)[key]?.trim(), `${lang} ${key}`).toBeTruthy();
    const closed = (prefix: string): string[] => Object.keys(en).filter((k) => k.startsWith(prefix));
    expect(closed("error.").sort()).toEqual([...ERROR_CODES.map((c) => `error.${c}`), "error.unknown"].sort());
    expect(closed("code.").sort()).toEqual(ISSUE_CODES.map((c) => `code.${c}`).sort());
    expect(closed("submit.blocked.").sort()).toEqual(SUBMIT_BLOCKS.map((c) => `submit.blocked.${c}`).sort());
    expect(closed("approvals.blocked.").sort()).toEqual(APPROVE_BLOCKS.map((c) => `approvals.blocked.${c}`).sort());
  });
  it("keeps the same placeholders in both languages", () => {
    const holes = (s: string): string[] => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[]) expect(holes(catalogs.he[key]), key).toEqual(holes(catalogs.en[key]));
  });
  it("sets dir and lang on <html>", () => {
    setLanguage("he");
    expect(document.documentElement.dir).toBe("rtl");
    setLanguage("en");
    expect(document.documentElement.dir).toBe("ltr");
    expect(document.documentElement.lang).toBe("en");
  });
  it("translates error payloads by code with params, and falls back for unknown codes", () => {
    setLanguage("en");
    expect(translateError({ code: "unknown_dataset", message: "x", params: { dataset: "foo" } })).toBe("Unknown dataset foo.");
    expect(translateError({ code: "brand_new", message: "boom", params: {} })).toBe("Error: boom");
    expect(translateError(new Error("plain"))).toBe("plain");
    setLanguage("he");
    expect(translateError({ code: "four_eyes", message: "x", params: {} })).toContain("סירב");
    expect(issueCodeLabel("israeli_id")).toBe("מספר זהות לא תקין");
    expect(issueCodeLabel("new_code" as IssueCode)).toBe("new_code");
  });
  it("says issues in the user's language from their code and params", () => {
    const issue = { code: "min_length" as IssueCode, column: "first_name", value: "א", message: "first_name is 1 characters long; at least 2 expected", params: { length: "1", limit: "2" } };
    const plain = (text: string): string => text.replace(/[\u2068\u2069]/g, "");
    setLanguage("he");
    expect(plain(issueMessage(issue))).toBe("first_name באורך 1 תווים; נדרשים לפחות 2.");
    expect(issueMessage(issue)).toContain("\u2068first_name\u2069");
    setLanguage("en");
    expect(plain(issueMessage(issue))).toBe("first_name is 1 characters long; at least 2 expected.");
    expect(issueKey({ ...issue, code: "type", params: { expected: "date", format: "%d/%m/%Y" } })).toBe("issue.type.date_format");
    expect(issueKey({ ...issue, code: "israeli_id", params: { reason: "check_digit" } })).toBe("issue.israeli_id.check_digit");
    // A code or parameter this UI does not know keeps the report's own message.
    expect(issueMessage({ ...issue, code: "type", params: { expected: "colour" } })).toBe(issue.message);
    expect(issueMessage({ ...issue, code: "something_new" as IssueCode, params: {} })).toBe(issue.message);
    // A report stored before params existed keeps its English message.
    const stored = { code: "row_change" as const, column: null, value: null, message: "1500 rows against 1000 in the active version" };
    expect(issueMessage(stored)).toBe(stored.message);
    expect(issueMessage({ ...issue, params: { length: "1" } })).toBe(issue.message);
    const expected = ["code", "integer", "decimal", "boolean", "date", "datetime"];
    for (const kind of expected) expect(Object.keys(en)).toContain(`issue.type.${kind}`);
    for (const code of ISSUE_CODES.filter((c) => c !== "type" && c !== "israeli_id")) expect(Object.keys(en)).toContain(`issue.${code}`);
    setLanguage("he");
  });
  it("reads a select's language and theme, with defaults for unknown values", () => {
    expect(toLanguage("en")).toBe("en");
    expect(toLanguage("fr")).toBe("he");
    expect(toTheme("dark")).toBe("dark");
    expect(toTheme("sepia")).toBe("system");
  });
  it("formats numbers per language and interpolates", () => {
    setLanguage("en");
    expect(formatNumber(1234567)).toBe("1,234,567");
    expect(t("load.errors", { count: 1200 })).toBe("1,200 errors");
  });
});

describe("grid math", () => {
  it("renders only the visible rows plus a buffer", () => {
    expect(visibleRange(0, 280, 28, 100000, 10)).toEqual({ first: 0, last: 21 });
    expect(visibleRange(2800, 280, 28, 100000, 10)).toEqual({ first: 90, last: 121 });
    expect(visibleRange(99999 * 28, 280, 28, 100000, 10).last).toBe(100000);
    expect(visibleRange(0, 280, 28, 0, 10)).toEqual({ first: 0, last: 0 });
  });
  it("asks for the pages that cover a range", () => {
    expect(pagesFor(90, 121, 100)).toEqual([0, 1]);
    expect(pagesFor(0, 21, 100)).toEqual([0]);
    expect(pagesFor(5, 5, 100)).toEqual([]);
  });
  it("scrolls only when the row is off screen", () => {
    expect(scrollToShow(5, 0, 280, 28)).toBe(0);
    expect(scrollToShow(1000, 0, 280, 28)).toBe(1000 * 28 - 126);
  });
  it("evicts the farthest pages", () => {
    expect(pagesToEvict([0, 1, 2, 50, 51], [50, 51], 3)).toEqual([0, 1]);
    expect(pagesToEvict([0, 1], [1], 3)).toEqual([]);
  });
});

describe("charts", () => {
  it("picks nice axis maxima and scales into range", () => {
    expect(niceMax(7)).toBe(10);
    expect(niceMax(120)).toBe(200);
    expect(niceMax(0)).toBe(1);
    expect(scale(50, 100, 300)).toBe(150);
    expect(scale(500, 100, 300)).toBe(300);
    expect(scale(5, 0, 300)).toBe(0);
  });
  it("spreads line points and draws one bar per code", () => {
    expect(linePoints([0, 10], 100, 50, 10)).toEqual([{ x: 0, y: 50 }, { x: 100, y: 0 }]);
    const svg = barChart([{ label: "a", value: 3 }, { label: "b", value: 1 }], { title: "T" });
    expect(svg.querySelectorAll("rect")).toHaveLength(2);
    expect(svg.getAttribute("aria-label")).toBe("T");
  });
});

const summary: FileSummary = {
  fileId: 1, name: "welfare.csv", sheet: null, dataset: "welfare_patients", period: "2026-11", status: "invalid",
  rows: 1000, validRows: 990, invalidRows: 10, warnings: 1, errors: 10,
  codes: [{ code: "israeli_id", count: 7, severity: "error" }, { code: "required", count: 3, severity: "error" }, { code: "unknown_column", count: 1, severity: "warning" }],
  columns: [{ header: "ת.ז.", column: "citizen_id", index: 0, mapped: false, remembered: false }, { header: "שם", column: "name", index: 1, mapped: false, remembered: false }],
  fileIssues: [], submitBlock: "invalid",
  contractColumns: ["citizen_id", "name"], corrections: [], correctionsTotal: 0, replacements: [],
};

describe("load state", () => {
  it("follows validation events", () => {
    const state = new LoadState();
    state.add([{ id: 1, name: "welfare.csv", dataset: null, period: null, status: "validating", submitBlock: "validating" }]);
    state.apply({ kind: "progress", fileId: 1, rowsDone: 500 });
    expect(displayStatus(state.files[0]!)).toEqual({ kind: "validating", rowsDone: 500 });
    state.apply({ kind: "preview", fileId: 1, headers: ["ת.ז.", "שם"], rows: [{ row: 2, cells: ["123456782", "דנה"], issues: [], corrected: [] }] });
    expect(state.files[0]!.preview?.rows[0]?.cells).toEqual(["123456782", "דנה"]);
    state.apply({ kind: "done", fileId: 1, summary });
    expect(displayStatus(state.files[0]!)).toEqual({ kind: "errors", count: 10 });
    expect(submitBlock(state.files[0], true)).toBe("invalid");
    const file: OpenedFile = { id: 1, name: "welfare.csv", dataset: null, period: null, status: "needs_dataset", submitBlock: "needs_dataset" };
    state.apply({ kind: "failed", fileId: 1, file, error: { code: "dataset_not_recognised", message: "", params: {} } });
    expect(state.files[0]!.file.status).toBe("needs_dataset");
    expect(submitBlock(state.files[0], true)).toBe("needs_dataset");
  });
  it("takes the core's reason to block submit, and adds offline", () => {
    const entry = { file: { id: 1, name: "a", dataset: "d", period: "p", status: "valid" as const, submitBlock: null }, summary: { ...summary, status: "valid" as const, submitBlock: null }, rowsDone: 0, error: null, preview: null };
    expect(submitBlock(entry, false)).toBe("offline");
    expect(submitBlock(entry, true)).toBeNull();
    expect(submitBlock({ ...entry, file: { ...entry.file, submitBlock: "period_required" } }, true)).toBe("period_required");
    expect(submitBlock(undefined, true)).toBe("no_file");
    expect(reportName("welfare 2026.xlsx")).toBe("welfare 2026-errors.xlsx");
  });
});

describe("other screens' logic", () => {
  const request: RequestView = {
    requestId: 3, dataset: "d", period: "2026-11", fileName: "f", status: "pending", submittedBy: "dana", submittedAt: "2026-11-02T10:00:00Z",
    decidedBy: null, decidedAt: null, decisionNote: null, rows: 5, invalidRows: 0, warnings: [], error: null, approveBlock: null,
  };
  it("takes the core's reason not to approve, and adds offline", () => {
    expect(canApprove({ ...request, approveBlock: "four_eyes" }, true)).toBe("four_eyes");
    expect(canApprove(request, true)).toBeNull();
    expect(canApprove(request, false)).toBe("offline");
  });
  it("lists the changed cells of a preview sample row", () => {
    const row = { key: "1", before: { name: "Dana", age: 30, city: null }, after: { name: "Dana", age: 31, city: "Haifa" } };
    expect(sampleChanges(row)).toEqual([
      { column: "age", before: "30", after: "31" },
      { column: "city", before: null, after: "Haifa" },
    ]);
    expect(sampleChanges({ key: "2", before: null, after: { name: "Eli" } })).toEqual([{ column: "name", before: null, after: "Eli" }]);
  });
  it("builds audit filters and row series", () => {
    expect(auditFilter({ actor: " dana ", dataset: "", action: "", from: "2026-01-01", to: "" })).toEqual({ actor: "dana", dataset: null, action: null, from: "2026-01-01", to: null });
    expect(auditFilter({ actor: "", dataset: "", action: "approve", from: "", to: "" }).action).toBe("approve");
    expect(auditFilter({ actor: "", dataset: "", action: "publish", from: "", to: "" }).action).toBeNull();
    const cal = { datasets: [], periods: ["2026-10", "2026-11", "2026-12"], cells: [{ dataset: "d", period: "2026-10", version: 1, rows: 10 }, { dataset: "d", period: "2026-12", version: null, rows: null }] };
    expect(rowSeries(cal, "d")).toEqual([{ label: "2026-10", value: 10 }]);
  });
});

function fakeBackend(connected: boolean): Backend & { fetched: number[] } {
  let onEvent: ((e: FileEvent) => void) | null = null;
  const fetched: number[] = [];
  const status: ConnectionStatus = { mode: "embedded", connected, user: connected ? "dana" : null, roles: connected ? ["supervisor"] : [], message: null, needsSignIn: false, demoLogins: false };
  const rows = (start: number, count: number): GridPage => ({
    total: 1000,
    start,
    rows: Array.from({ length: Math.min(count, 1000 - start) }, (_, i) => ({
      row: start + i + 2,
      cells: [`id${start + i}`, `name${start + i}`],
      issues: start + i === 0 ? [{ index: 0, code: "israeli_id", severity: "error" as const, column: "citizen_id", value: "id0", message: "bad id" }] : [],
      corrected: [],
    })),
  });
  const opened = (id: number, period: string | null): OpenedFile => ({ id, name: "welfare.csv", dataset: "welfare_patients", period, status: "invalid", submitBlock: "invalid" });
  const nope = (): Promise<never> => Promise.reject({ code: "unreachable", message: "offline", params: {} });
  return {
    fetched,
    listContracts: async () => [],
    pickFiles: async () => ["/tmp/welfare.csv"],
    openFiles: async (_paths, cb) => {
      onEvent = cb;
      setTimeout(() => onEvent?.({ kind: "done", fileId: 1, summary }), 0);
      return [{ id: 1, name: "welfare.csv", dataset: "welfare_patients", period: "2026-11", status: "validating", submitBlock: "validating" }];
    },
    setFileDataset: async (id) => ({ ...opened(id, "2026-11"), status: "validating", submitBlock: "validating" }),
    setFilePeriod: async (id, period) => opened(id, period),
    setFileMapping: async (id) => ({ ...opened(id, "2026-11"), status: "validating", submitBlock: "validating" }),
    correctCell: async (id) => ({ ...opened(id, "2026-11"), status: "validating", submitBlock: "validating" }),
    replaceInColumn: async (id) => ({ ...opened(id, "2026-11"), status: "validating", submitBlock: "validating" }),
    clearCorrections: async (id) => ({ ...opened(id, "2026-11"), status: "validating", submitBlock: "validating" }),
    cancelValidation: async () => undefined,
    closeFile: async () => undefined,
    fileSummary: async () => summary,
    fileRows: async (_id, start, count) => {
      fetched.push(start);
      return rows(start, count);
    },
    fileIssues: async () => ({ total: 1, issues: [{ row: 2, column: "citizen_id", header: "ת.ז.", code: "israeli_id", severity: "error", value: "1", message: "bad id" }] }),
    nextIssue: async () => ({ position: 0, row: 2 }),
    exportReport: async () => undefined,
    pickSavePath: async () => null,
    connectionStatus: async () => status,
    signIn: async () => status,
    signOut: async () => ({ ...status, connected: false, user: null, roles: [], needsSignIn: true }),
    submitFile: nope,
    listRequests: async () => [
      {
        requestId: 7, dataset: "d", period: "2026-11", fileName: "f.csv", status: "pending", submittedBy: "eli", submittedAt: "2026-11-02T10:00:00Z",
        decidedBy: null, decidedAt: null, decisionNote: null, rows: 5, invalidRows: 0, warnings: [], error: null, approveBlock: null,
      },
    ],
    requestDetail: nope,
    requestProfiles: nope,
    fileProfile: async () => null,
    approveRequest: nope,
    rejectRequest: nope,
    versionsCalendar: async () => ({ datasets: [], periods: [], cells: [] }),
    listVersions: async () => [],
    rollback: nope,
    auditLog: async () => [],
    getSettings: async () => ({ databaseUrl: null, sslMode: null, caFile: null, user: null, language: "en", theme: "dark" }),
    saveSettings: async (settings) => ({ settings, urlPassword: null }),
    pickCaFile: async () => "/etc/citizen-db/ca.pem",
  };
}

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("app shell and Load screen", () => {
  beforeEach(() => document.body.replaceChildren());

  it("shows the nav, the offline banner and a disabled submit offline", async () => {
    const root = document.createElement("div");
    document.body.append(root);
    const backend = fakeBackend(false);
    const app = await startApp(root, backend, null, 0);
    for (const r of ["load", "approvals", "versions", "activity", "settings"]) expect(root.querySelector(`[data-testid=nav-${r}]`)).not.toBeNull();
    expect(document.documentElement.dataset["theme"]).toBe("dark");
    const banner = root.querySelector<HTMLElement>("[data-testid=offline-banner]");
    expect(banner?.hidden).toBe(false);
    (root.querySelector("[data-testid=btn-choose]") as HTMLButtonElement).click();
    await tick(20);
    expect(root.querySelector("[data-testid='file-row-welfare.csv']")).not.toBeNull();
    const submit = root.querySelector<HTMLButtonElement>("[data-testid=btn-submit]");
    expect(submit?.disabled).toBe(true);
    expect(root.querySelector("[data-testid=submit-reason]")?.textContent).toContain("errors");
    await tick(20);
    const cell = root.querySelector<HTMLElement>("[data-testid=grid-cell-2-0]");
    expect(cell?.classList.contains("cell-error")).toBe(true);
    expect(cell?.title).toBe("bad id");
    // virtualised: only a window of the 1000 rows is in the DOM, and only page 0 was fetched
    expect(root.querySelectorAll(".grid-row").length).toBeLessThan(60);
    expect(backend.fetched).toEqual([0]);
    app.dispose();
  });

  it("shows the first rows while a file is still validating, then the grid", async () => {
    const root = document.createElement("div");
    document.body.append(root);
    let send: ((e: FileEvent) => void) | null = null;
    const backend: Backend = {
      ...fakeBackend(false),
      openFiles: async (_paths, cb) => {
        send = cb;
        return [{ id: 1, name: "welfare.csv", dataset: "welfare_patients", period: "2026-11", status: "validating", submitBlock: "validating" }];
      },
    };
    const app = await startApp(root, backend, null, 0);
    (root.querySelector("[data-testid=btn-choose]") as HTMLButtonElement).click();
    await tick(20);
    expect(send).not.toBeNull();
    send!({ kind: "preview", fileId: 1, headers: ["ת.ז.", "שם"], rows: [{ row: 2, cells: ["123456782", "דנה"], issues: [], corrected: [] }] });
    send!({ kind: "progress", fileId: 1, rowsDone: 8192 });
    await tick(5);
    const preview = root.querySelector("[data-testid=preview]");
    expect(preview?.textContent).toContain("דנה");
    expect(preview?.querySelectorAll("tbody tr").length).toBe(1);
    send!({ kind: "done", fileId: 1, summary });
    await tick(20);
    expect(root.querySelector("[data-testid=preview]")).toBeNull();
    expect(root.querySelector("[data-testid=grid]")).not.toBeNull();
    app.dispose();
  });

  it("maps a renamed header and corrects a cell, and the counters follow the new validation", async () => {
    setLanguage("en");
    const root = document.createElement("div");
    document.body.append(root);
    const backend = fakeBackend(true);
    const calls: string[] = [];
    let send: ((e: FileEvent) => void) | null = null;
    const renamed: FileSummary = {
      ...summary,
      columns: [summary.columns[0]!, { header: "שם ראשון", column: null, index: 1, mapped: false, remembered: false }],
      codes: [{ code: "missing_column", count: 1, severity: "error" }],
    };
    backend.openFiles = async (_paths, cb) => {
      send = cb;
      setTimeout(() => cb({ kind: "done", fileId: 1, summary: renamed }), 0);
      return [{ id: 1, name: "welfare.csv", dataset: "welfare_patients", period: "2026-11", status: "validating", submitBlock: "validating" }];
    };
    const validating = { id: 1, name: "welfare.csv", dataset: "welfare_patients", period: "2026-11", status: "validating" as const, submitBlock: "validating" as const };
    backend.setFileMapping = async (_id, header, column, remember) => {
      calls.push(`map ${header}=${column} ${remember}`);
      return validating;
    };
    backend.correctCell = async (_id, row, column, value) => {
      calls.push(`correct ${row} ${column}=${value}`);
      return validating;
    };
    await startApp(root, backend, null, 0);
    (root.querySelector("[data-testid=btn-choose]") as HTMLButtonElement).click();
    await tick(30);
    const panel = root.querySelector<HTMLDetailsElement>("[data-testid=mapping]");
    expect(panel?.open).toBe(true);
    const choice = root.querySelector<HTMLSelectElement>("[data-testid=map-1]")!;
    expect(choice.value).toBe("");
    root.querySelector<HTMLInputElement>("[data-testid=remember-1]")!.checked = true;
    choice.value = "name";
    choice.dispatchEvent(new Event("change"));
    await tick(5);
    expect(calls).toEqual(["map שם ראשון=name true"]);
    expect(root.querySelector<HTMLButtonElement>("[data-testid=btn-submit]")?.disabled).toBe(true);
    // The new validation arrives: mapped, one correction later the counters move.
    const mapped: FileSummary = { ...summary, columns: [summary.columns[0]!, { header: "שם ראשון", column: "name", index: 1, mapped: true, remembered: true }] };
    send!({ kind: "done", fileId: 1, summary: mapped });
    await tick(20);
    expect(root.querySelector<HTMLSelectElement>("[data-testid=map-1]")?.value).toBe("name");
    root.querySelector<HTMLElement>("[data-testid=grid-cell-2-1]")!.click();
    expect(root.querySelector("[data-testid=correction-where]")?.textContent).toBe("Row 2, שם ראשון");
    const value = root.querySelector<HTMLInputElement>("[data-testid=correction-value]")!;
    expect(value.value).toBe("name0");
    value.value = "דנה";
    root.querySelector<HTMLButtonElement>("[data-testid=btn-correct]")!.click();
    await tick(5);
    expect(calls[1]).toBe("correct 2 name=דנה");
    const corrected: FileSummary = {
      ...mapped, invalidRows: 9, validRows: 991,
      corrections: [{ row: 2, column: "name", oldValue: "name0", newValue: "דנה", kind: "cell", madeAt: "2026-11-30T08:00:00Z" }], correctionsTotal: 1,
    };
    send!({ kind: "done", fileId: 1, summary: corrected });
    await tick(20);
    expect(root.querySelector("[data-testid=card-invalid] .stat-value")?.textContent).toBe("9");
    expect(root.querySelector("[data-testid=correction-2-name]")?.textContent).toContain("דנה");
  });

  it("saves the server's TLS mode and the CA file picked in Settings", async () => {
    setLanguage("en");
    const root = document.createElement("div");
    document.body.append(root);
    const backend = fakeBackend(true);
    const saved: Settings[] = [];
    backend.saveSettings = async (settings) => {
      saved.push(settings);
      return { settings, urlPassword: null };
    };
    const app = await startApp(root, backend, null, 0);
    app.go("settings");
    await tick(20);
    const mode = root.querySelector<HTMLSelectElement>("[data-testid=db-tls-mode]");
    const choose = root.querySelector<HTMLButtonElement>("[data-testid=btn-choose-ca]");
    expect(mode?.disabled).toBe(true);
    root.querySelector<HTMLInputElement>("[data-testid=db-server]")?.click();
    expect(mode?.disabled).toBe(false);
    root.querySelector<HTMLInputElement>("[data-testid=db-url]")!.value = "postgres://db.city.example/citizen";
    mode!.value = "verify-full";
    choose?.click();
    await tick(20);
    expect(root.querySelector("[data-testid=db-ca-file]")?.textContent).toBe("/etc/citizen-db/ca.pem");
    root.querySelector<HTMLButtonElement>("[data-testid=btn-save-db]")?.click();
    await tick(20);
    expect(saved.at(-1)).toMatchObject({ databaseUrl: "postgres://db.city.example/citizen", sslMode: "verify-full", caFile: "/etc/citizen-db/ca.pem" });
    app.dispose();
  });

  it("lists pending requests for supervisors and switches language", async () => {
    const root = document.createElement("div");
    document.body.append(root);
    const app = await startApp(root, fakeBackend(true), null, 0);
    expect(root.querySelector<HTMLElement>("[data-testid=offline-banner]")?.hidden).toBe(true);
    app.go("approvals");
    await tick(20);
    expect(root.querySelector("[data-testid=request-row-7]")).not.toBeNull();
    await app.ctx.applySettings({ ...app.ctx.settings, language: "he" });
    expect(document.documentElement.dir).toBe("rtl");
    expect(root.querySelector("[data-testid=nav-load]")?.textContent).toContain("טעינה");
    app.dispose();
  });

  it("starts signed out with a sign-in prompt, signs in, and shows the demo-logins banner", async () => {
    setLanguage("en");
    const root = document.createElement("div");
    document.body.append(root);
    const signedOut: ConnectionStatus = { mode: "embedded", connected: false, user: null, roles: [], message: "not signed in", needsSignIn: true, demoLogins: false };
    const signedIn: ConnectionStatus = { mode: "embedded", connected: true, user: "clerk", roles: ["clerk"], message: null, needsSignIn: false, demoLogins: true };
    let current = signedOut;
    const tries: string[] = [];
    const backend: Backend = {
      ...fakeBackend(false),
      connectionStatus: async () => current,
      signIn: async (user, password) => {
        tries.push(`${user}/${password}`);
        if (password !== user) return Promise.reject({ code: "sign_in", message: "x", params: { user, reason: "password authentication failed" } });
        current = signedIn;
        return current;
      },
    };
    const app = await startApp(root, backend, null, 0);
    const prompt = root.querySelector<HTMLElement>("[data-testid=signin-prompt]");
    expect(prompt?.hidden).toBe(false);
    expect(root.querySelector<HTMLElement>("[data-testid=offline-banner]")?.hidden).toBe(true);
    expect(root.querySelector<HTMLElement>("[data-testid=demo-banner]")?.hidden).toBe(true);
    expect(root.querySelector("[data-testid=connection]")?.textContent).toContain("Signed out");
    const user = root.querySelector<HTMLInputElement>("[data-testid=prompt-user]")!;
    const password = root.querySelector<HTMLInputElement>("[data-testid=prompt-password]")!;
    const form = root.querySelector<HTMLFormElement>(".prompt-form")!;
    user.value = "clerk";
    password.value = "wrong";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await tick(20);
    expect(root.querySelector("[data-testid=prompt-message]")?.textContent).toContain("Sign-in failed");
    expect(prompt?.hidden).toBe(false);
    password.value = "clerk";
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await tick(20);
    expect(tries).toEqual(["clerk/wrong", "clerk/clerk"]);
    expect(prompt?.hidden).toBe(true);
    const demo = root.querySelector<HTMLElement>("[data-testid=demo-banner]");
    expect(demo?.hidden).toBe(false);
    expect(demo?.textContent).toContain("Demo logins");
    await app.ctx.applySettings({ ...app.ctx.settings, language: "he" });
    expect(demo?.textContent).toContain("משתמשי הדגמה");
    app.dispose();
  });
});
