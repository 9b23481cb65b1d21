// The polish of issue 15 in the shell and screens: the pending badge, notices
// that leave with their screen, dataset titles with the code on hover, the
// Activity sentences, and grid columns sized to their content.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startApp, type App } from "./app";
import type { AuditFilter, AuditView, Backend, ConnectionStatus, GridPage, RequestView } from "./backend";
import type { ContractSummary } from "./bindings/ContractSummary";
import type { LoginRole } from "./bindings/LoginRole";
import { VirtualGrid } from "./grid";
import { columnWidths } from "./grid-math";
import { setLanguage } from "./i18n";
import { pendingCount, requestsChanged } from "./pending";
import { DatasetTitles } from "./titles";

const nope = (): Promise<never> => Promise.reject({ code: "internal", message: "not in this test", params: {} });

function request(requestId: number, status: RequestView["status"] = "pending"): RequestView {
  return {
    requestId, dataset: "welfare_patients", period: "2026-11", fileName: "w.csv", status, submittedBy: "clerk", submittedAt: "2026-11-02T10:00:00Z",
    decidedBy: null, decidedAt: null, decisionNote: null, rows: 1200, invalidRows: 0, warnings: [], error: null, approveBlock: null,
  };
}

const CONTRACT: ContractSummary = { dataset: "welfare_patients", title: "Welfare patients", titleHe: "מטופלי רווחה", period: "monthly", strategy: "rebuild", columns: 9, phones: 2, file: "welfare_patients.yaml", sha256: "ab" };

const AUDIT: AuditView = {
  id: 31, at: "2026-11-30T10:00:00Z", actor: "supervisor", action: "approve", dataset: "welfare_patients", period: "2026-11", requestId: 12, versionId: 4,
  facts: { file: null, rows: 1200, version: 2, fromVersion: null, toVersion: null, login: null, role: null }, detail: { version: 2, rows: 1200, note: null },
};

interface Fake extends Backend {
  requests: RequestView[];
}

function fakeBackend(roles: LoginRole[]): Fake {
  const status: ConnectionStatus = { mode: "embedded", connected: true, user: "supervisor", roles, message: null, needsSignIn: false, demoLogins: false };
  const fake: Fake = {
    requests: [request(12), request(13)],
    listContracts: async () => [CONTRACT],
    pickFiles: async () => [], openFiles: nope, setFileDataset: nope, setFilePeriod: nope,
    setFileMapping: nope, correctCell: nope, replaceInColumn: nope, clearCorrections: nope, cancelValidation: nope, closeFile: nope, fileSummary: nope, fileRows: nope,
    fileIssues: nope, nextIssue: nope, exportReport: nope, pickSavePath: async () => null,
    connectionStatus: async () => status, signIn: async () => status, signOut: async () => status, submitFile: nope,
    listRequests: async (s) => fake.requests.filter((r) => s === null || r.status === s),
    requestDetail: nope, requestProfiles: nope, fileProfile: async () => null, approveRequest: nope, rejectRequest: nope,
    versionsCalendar: async () => ({ datasets: [], periods: [], cells: [] }), listVersions: async () => [], rollback: nope,
    auditLog: async () => [AUDIT],
    getSettings: async () => ({ databaseUrl: null, sslMode: null, caFile: null, user: null, language: "en", theme: "light" }),
    saveSettings: async (settings) => ({ settings, urlPassword: null }),
    pickCaFile: async () => null,
  };
  return fake;
}

const tick = (ms = 10): Promise<void> => new Promise((r) => setTimeout(r, ms));
const badge = (root: HTMLElement): string | null => root.querySelector("[data-testid=nav-approvals-count]")?.textContent ?? null;

describe("the shell", () => {
  let app: App | null = null;
  let root: HTMLElement;
  beforeEach(() => {
    document.body.replaceChildren();
    root = document.createElement("div");
    document.body.append(root);
  });
  afterEach(() => {
    app?.dispose();
    app = null;
    setLanguage("he");
  });

  it("counts pending requests on the Approvals item for a supervisor, again when requests change", async () => {
    const backend = fakeBackend(["supervisor"]);
    app = await startApp(root, backend, null, 0);
    await tick();
    expect(badge(root)).toBe("2");
    backend.requests = [request(12, "loaded"), request(13)];
    requestsChanged();
    await tick();
    expect(badge(root)).toBe("1");
    backend.requests = [request(12, "loaded"), request(13, "rejected"), request(14)];
    app.go("versions");
    await tick();
    expect(badge(root)).toBe("1");
    backend.requests = [];
    requestsChanged();
    await tick();
    expect(badge(root)).toBeNull();
  });

  it("shows no count to a login that may not approve", async () => {
    app = await startApp(root, fakeBackend(["clerk"]), null, 0);
    await tick();
    expect(root.querySelector("[data-testid=nav-approvals]")).not.toBeNull();
    expect(badge(root)).toBeNull();
  });

  it("takes a notice away when the user moves to another screen, errors excepted", async () => {
    app = await startApp(root, fakeBackend([]), null, 0);
    app.go("settings");
    app.ctx.notify("Settings saved.", "success");
    app.ctx.notify("The server refused.", "error");
    expect(document.body.textContent).toContain("Settings saved.");
    app.go("settings");
    expect(document.body.textContent).toContain("Settings saved.");
    app.go("activity");
    expect(document.body.textContent).not.toContain("Settings saved.");
    expect(document.body.textContent).toContain("The server refused.");
  });

  it("shows dataset titles in the user's language in Approvals, the code on hover", async () => {
    app = await startApp(root, fakeBackend(["supervisor"]), null, 0);
    app.go("approvals");
    await tick();
    const title = root.querySelector<HTMLElement>("[data-testid=request-row-12] .dataset-title");
    expect(title?.textContent).toBe("Welfare patients");
    expect(title?.title).toBe("welfare_patients");
    await app.ctx.applySettings({ ...app.ctx.settings, language: "he" });
    await tick();
    expect(root.querySelector("[data-testid=request-row-12] .dataset-title")?.textContent).toBe("מטופלי רווחה");
  });

  it("says each activity entry as a sentence, its details closed", async () => {
    app = await startApp(root, fakeBackend(["supervisor"]), null, 0);
    app.go("activity");
    await tick();
    const sentence = root.querySelector<HTMLElement>("[data-testid=audit-sentence-31]");
    expect(sentence?.textContent?.replace(/[\u2068\u2069]/g, "")).toBe("supervisor approved request 12: Welfare patients 2026-11, 1,200 rows, now version 2");
    expect(sentence?.querySelector<HTMLElement>(".dataset-title")?.title).toBe("welfare_patients");
    const details = root.querySelector<HTMLDetailsElement>("[data-testid=audit-detail-31]");
    expect(details?.open).toBe(false);
    expect(details?.querySelector("pre")?.textContent).toContain('"rows": 1200');
  });

  it("offers datasets by title in the user's language and filters by their code", async () => {
    const backend = fakeBackend(["supervisor"]);
    const filters: AuditFilter[] = [];
    backend.auditLog = async (filter) => {
      filters.push(filter);
      return [AUDIT];
    };
    app = await startApp(root, backend, null, 0);
    app.go("activity");
    await tick();
    const dataset = root.querySelector<HTMLSelectElement>("[data-testid=audit-dataset]");
    const options = [...(dataset?.options ?? [])].map((o) => [o.value, o.textContent]);
    expect(options).toEqual([["", "Any dataset"], ["welfare_patients", "Welfare patients"]]);
    if (!dataset) throw new Error("no dataset filter");
    dataset.value = "welfare_patients";
    root.querySelector<HTMLFormElement>("form.filters")?.requestSubmit();
    await tick();
    expect(filters.at(-1)?.dataset).toBe("welfare_patients");
  });
});

describe("pending count and titles", () => {
  it("counts only pending requests", () => {
    expect(pendingCount([request(1), request(2, "loaded"), request(3, "failed"), request(4)])).toBe(2);
    expect(pendingCount([])).toBe(0);
  });

  it("leaves out the login's own submits, which another supervisor must approve", () => {
    const own = { ...request(2), approveBlock: "four_eyes" as const };
    expect(pendingCount([request(1), own, request(3, "loaded"), request(4)])).toBe(2);
    expect(pendingCount([own])).toBe(0);
  });

  it("titles a dataset in each language, the code when there is no contract", () => {
    const titles = new DatasetTitles([CONTRACT, { dataset: "hamal", title: "Hamal", titleHe: null }]);
    expect(titles.title("welfare_patients", "he")).toBe("מטופלי רווחה");
    expect(titles.title("welfare_patients", "en")).toBe("Welfare patients");
    expect(titles.title("hamal", "he")).toBe("Hamal");
    expect(titles.title("meser", "en")).toBe("meser");
  });
});

describe("grid column widths", () => {
  const measure = (text: string): number => text.length * 10;
  const bounds = { min: 50, max: 200, padding: 20 };

  it("fits the widest of the header and the sample values", () => {
    const widths = columnWidths([["birth_date", "ת. לידה"], ["id"]], [["12/03/1962", "1"], ["1/1/2000", "123456789"]], measure, bounds);
    expect(widths).toEqual([120, 110]);
  });

  it("stays within its bounds and treats a missing cell as empty", () => {
    expect(columnWidths([["a"], ["b"]], [["x".repeat(40)]], measure, bounds)).toEqual([200, 50]);
  });

  it("sizes the grid's columns from the first page it reads", async () => {
    setLanguage("en");
    const page: GridPage = { total: 1, start: 0, rows: [{ row: 2, cells: ["1", "a much longer value than the header says".repeat(2)], issues: [], corrected: [] }] };
    const grid = new VirtualGrid({ columns: [{ header: "id", column: "id", index: 0, mapped: false, remembered: false }, { header: "note", column: "note", index: 1, mapped: false, remembered: false }], fetch: async () => page });
    const before = [...grid.columnWidths()];
    await grid.reset();
    const after = grid.columnWidths();
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBeGreaterThan(before[1] ?? 0);
    const cell = grid.el.querySelector<HTMLElement>("[data-testid=grid-cell-2-1]");
    expect(cell?.style.width).toBe(`${after[1]}px`);
    setLanguage("he");
  });
});
