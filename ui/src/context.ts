// What every screen gets from the shell.
import type { Backend, ConnectionStatus, DropSource, Settings } from "./model";
import { SUPERVISOR_ROLE } from "./model";
import type { LoadState } from "./screens/load-state";

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

export function isSupervisor(ctx: AppContext): boolean {
  return ctx.status?.roles.includes(SUPERVISOR_ROLE) === true;
}
