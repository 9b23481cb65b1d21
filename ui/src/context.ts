// What every screen gets from the shell, and the role checks the screens make
// on the connection status.
import type { Backend, ConnectionStatus, Settings } from "./backend";
import type { LoginRole } from "./bindings/LoginRole";
import type { DropSource } from "./drop";
import type { LoadState } from "./screens/load-state";

/** The role that may approve, reject and roll back. */
export const SUPERVISOR_ROLE: LoginRole = "supervisor";
/** The role that manages logins and contracts. */
export const ADMIN_ROLE: LoginRole = "admin";

export type NoticeKind = "info" | "success" | "error";

export interface AppContext {
  backend: Backend;
  drop: DropSource | null;
  status: ConnectionStatus | null;
  settings: Settings;
  loadState: LoadState;
  notify(message: string, kind?: NoticeKind): void;
  refreshStatus(): Promise<void>;
  applySettings(settings: Settings): Promise<void>;
}

export interface Screen {
  el: HTMLElement;
  dispose?(): void;
}

export function isOnline(ctx: AppContext): boolean {
  return ctx.status?.connected === true;
}

export function isAdmin(ctx: AppContext): boolean {
  return ctx.status?.connected === true && ctx.status.roles.includes(ADMIN_ROLE);
}

export function isSupervisor(ctx: AppContext): boolean {
  return ctx.status?.roles.includes(SUPERVISOR_ROLE) === true;
}
