// The screens of the app, in sidebar order: the one list the shell reads.
// Adding a screen is one file in this folder and one entry here (its label is
// `nav.<route>` in the catalogs, required by their type).
import type { AppContext, Screen } from "../context";
import { isAdmin } from "../context";
import { activityScreen } from "./activity";
import { approvalsScreen } from "./approvals";
import { contractsScreen } from "./contracts";
import { loadScreen } from "./load";
import { settingsScreen } from "./settings";
import { usersScreen } from "./users";
import { versionsScreen } from "./versions";

export interface ScreenEntry {
  route: string;
  icon: string;
  create: (ctx: AppContext) => Screen;
  /** Re-render when the connection status changes (screens that read the database). */
  followsStatus: boolean;
  /** Shown in the sidebar to administrators only. */
  adminOnly?: boolean;
}

export const SCREENS = [
  { route: "load", icon: "⇪", create: loadScreen, followsStatus: false },
  { route: "approvals", icon: "✓", create: approvalsScreen, followsStatus: true },
  { route: "versions", icon: "▦", create: versionsScreen, followsStatus: true },
  { route: "activity", icon: "☰", create: activityScreen, followsStatus: true },
  { route: "users", icon: "☺", create: usersScreen, followsStatus: true, adminOnly: true },
  { route: "contracts", icon: "§", create: contractsScreen, followsStatus: true, adminOnly: true },
  { route: "settings", icon: "⚙", create: settingsScreen, followsStatus: false },
] as const satisfies readonly ScreenEntry[];

export type Route = (typeof SCREENS)[number]["route"];

/** Whether the sidebar shows `entry` to the signed-in login. */
export function shownTo(entry: ScreenEntry, ctx: AppContext): boolean {
  return entry.adminOnly !== true || isAdmin(ctx);
}

/** The entry of a route. */
export function screenOf(route: Route): ScreenEntry {
  return SCREENS.find((s) => s.route === route) ?? SCREENS[0];
}
