// Unit tests of the contract list's view logic, in a DOM without Tauri.
import { describe, expect, it } from "vitest";
import type { ContractSummary, ErrorPayload } from "./types";
import {
  COLUMN_HEADINGS,
  countLabel,
  errorMessage,
  renderContractRow,
  renderContracts,
  renderContractsTable,
  renderError,
} from "./view";

const hamal: ContractSummary = {
  dataset: "hamal",
  title: "Emergency centre contacts",
  title_he: "רשימת חמ״ל",
  period: "none",
  strategy: "merge",
  columns: 12,
  phones: 2,
  file: "hamal.yaml",
  sha256: "0".repeat(64),
};

const untitled: ContractSummary = {
  dataset: "av_bait",
  title: "Household heads",
  title_he: null,
  period: "monthly",
  strategy: "replace",
  columns: 7,
  phones: 0,
  file: "av_bait.yaml",
  sha256: "1".repeat(64),
};

function texts(row: HTMLTableRowElement): string[] {
  return Array.from(row.cells, (c) => c.textContent ?? "");
}

describe("renderContractRow", () => {
  it("shows dataset, titles, period, strategy, columns and phones in order", () => {
    const row = renderContractRow(document, hamal);
    expect(texts(row)).toEqual([
      "hamal",
      "רשימת חמ״לEmergency centre contacts",
      "none",
      "merge",
      "12",
      "2",
    ]);
    expect(row.dataset["dataset"]).toBe("hamal");
    expect(row.cells[0]?.title).toBe("hamal.yaml");
  });

  it("marks the Hebrew title right-to-left and the English one left-to-right", () => {
    const row = renderContractRow(document, hamal);
    const hebrew = row.querySelector<HTMLElement>(".title-he");
    const english = row.querySelector<HTMLElement>(".title-en");
    expect(hebrew?.dir).toBe("rtl");
    expect(hebrew?.lang).toBe("he");
    expect(english?.dir).toBe("ltr");
    expect(row.querySelector("code")?.dir).toBe("ltr");
  });

  it("falls back to the English title when there is no Hebrew one", () => {
    const row = renderContractRow(document, untitled);
    const title = row.cells[1];
    expect(title?.textContent).toBe("Household heads");
    expect(title?.querySelector(".title-fallback")?.getAttribute("dir")).toBe("ltr");
    expect(title?.querySelector(".title-en")).toBeNull();
  });

  it("puts contract text in as text, never as markup", () => {
    const row = renderContractRow(document, { ...hamal, title_he: '<img src=x onerror="alert(1)">' });
    expect(row.querySelector("img")).toBeNull();
    expect(row.cells[1]?.textContent).toContain("<img");
  });
});

describe("renderContractsTable", () => {
  it("has one heading per column and one row per contract", () => {
    const table = renderContractsTable(document, [hamal, untitled]);
    const headings = Array.from(table.querySelectorAll("thead th"), (c) => c.textContent);
    expect(headings).toEqual([...COLUMN_HEADINGS]);
    const rows = table.querySelectorAll<HTMLTableRowElement>("tbody tr");
    expect(rows).toHaveLength(2);
    expect(rows[1]?.dataset["dataset"]).toBe("av_bait");
  });
});

describe("renderContracts", () => {
  it("shows a count and the table", () => {
    const [status, table] = renderContracts(document, [hamal, untitled]);
    expect(status?.textContent).toBe("2 contracts");
    expect(table?.tagName).toBe("TABLE");
  });

  it("says so when the list is empty", () => {
    const nodes = renderContracts(document, []);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]?.textContent).toBe("No contracts found.");
  });

  it("counts in the singular for one", () => {
    expect(countLabel(1)).toBe("1 contract");
    expect(countLabel(0)).toBe("0 contracts");
  });
});

describe("errors", () => {
  const payload: ErrorPayload = {
    code: "no_contracts",
    message: "no contracts found in contracts; add a <dataset>.yaml there or pass --contracts DIR",
    params: { dir: "contracts" },
  };

  it("shows an ErrorPayload's message and keeps its code", () => {
    const box = renderError(document, payload);
    expect(box.getAttribute("role")).toBe("alert");
    expect(box.dataset["code"]).toBe("no_contracts");
    expect(box.querySelector(".error-message")?.textContent).toBe(payload.message);
  });

  it("shows other rejections as text", () => {
    expect(errorMessage("window.__TAURI_INTERNALS__ is undefined")).toBe(
      "window.__TAURI_INTERNALS__ is undefined",
    );
    expect(errorMessage(new Error("boom"))).toBe("boom");
    expect(renderError(document, 42).dataset["code"]).toBeUndefined();
  });
});
