// Typed wrappers over the app's Tauri commands; the only module that calls `invoke`.
import { invoke } from "@tauri-apps/api/core";
import type { ContractSummary } from "./types";

/** The contracts of the contracts directory; rejects with an `ErrorPayload`. */
export function listContracts(): Promise<ContractSummary[]> {
  return invoke<ContractSummary[]>("list_contracts");
}
