// The shapes that cross the IPC boundary, written to match the Rust types
// (`citizen_core::contract::ContractSummary`, `citizen_core::error::ErrorPayload`)
// until generated bindings replace them.

/** One contract as the contract list shows it (`ContractSummary` in Rust). */
export interface ContractSummary {
  dataset: string;
  title: string;
  title_he: string | null;
  period: string;
  strategy: string;
  columns: number;
  phones: number;
  file: string;
  sha256: string;
}

/** The error every command rejects with (`ErrorPayload` in Rust). */
export interface ErrorPayload {
  code: string;
  message: string;
  params: Record<string, unknown>;
}

/** Whether a rejected value is an `ErrorPayload` from a command. */
export function isErrorPayload(value: unknown): value is ErrorPayload {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return typeof record["code"] === "string" && typeof record["message"] === "string";
}
