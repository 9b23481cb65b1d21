// The Approvals menu item's count of the pending requests the signed-in login
// may decide (not its own submits): shown to logins that may approve
// (supervisors), read again when a screen says requests changed (a submit, an
// approval, a rejection), on navigation and with the status.
import type { AppContext } from "./context";
import { isOnline, isSupervisor } from "./context";
import type { RequestView } from "./backend";

const listeners = new Set<() => void>();

/** Called by a screen after it submitted, approved or rejected a request. */
export function requestsChanged(): void {
  for (const listener of listeners) listener();
}

/** Runs `listener` on every `requestsChanged()`; returns how to stop. */
export function onRequestsChanged(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Requests waiting for this login's decision: pending, and nothing (such as
 * being its own submit, which another supervisor must approve) in the way. */
export function pendingCount(requests: readonly RequestView[]): number {
  return requests.filter((r) => r.status === "pending" && r.approveBlock === null).length;
}

/** The count to show on the Approvals item: null when the signed-in login
 * may not approve (no badge) or the database cannot be read. */
export async function readPendingCount(ctx: AppContext): Promise<number | null> {
  if (!isOnline(ctx) || !isSupervisor(ctx)) return null;
  try {
    return pendingCount(await ctx.backend.listRequests("pending"));
  } catch {
    return null;
  }
}
