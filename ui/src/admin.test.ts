// The administrator's screens (Users, Contracts) with a fake AdminBackend:
// what they list, what they send, what they refuse before sending, how a
// database refusal is shown (by code), and that the sidebar offers them to
// administrators only.
import { beforeEach, describe, expect, it } from "vitest";
import type { AdminBackend, ContractPlan, LoginRole, LoginView } from "./admin";
import type { Backend, ConnectionStatus } from "./backend";
import type { AppContext } from "./context";
import { setLanguage, t } from "./i18n";
import { LoadState } from "./screens/load-state";
import { SCREENS, shownTo } from "./screens";
import { canApply, makeContractsScreen } from "./screens/contracts";
import { makeUsersScreen, passwordProblem } from "./screens/users";

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

function context(roles: LoginRole[], connected = true): AppContext {
  const status: ConnectionStatus = { mode: "server", connected, user: connected ? "boss" : null, roles, message: null, needsSignIn: false, demoLogins: false };
  return {
    backend: {} as unknown as Backend,
    drop: null,
    status,
    settings: { databaseUrl: null, sslMode: null, caFile: null, user: null, language: "en", theme: "dark" },
    loadState: new LoadState(),
    notify: () => undefined,
    refreshStatus: async () => undefined,
    applySettings: async () => undefined,
  };
}

type Call = [string, ...unknown[]];

function fakeAdmin(plans: ContractPlan[] = []): AdminBackend & { calls: Call[]; logins: LoginView[] } {
  const calls: Call[] = [];
  const logins: LoginView[] = [
    { login: "boss", roles: ["admin"], canLogin: true, isDemo: false },
    { login: "dana", roles: ["clerk"], canLogin: true, isDemo: false },
  ];
  return {
    calls,
    logins,
    listLogins: async () => logins.map((l) => ({ ...l })),
    addLogin: async (login: string, role: LoginRole, password: string) => {
      calls.push(["add", login, role, password]);
      logins.push({ login, roles: [role], canLogin: true, isDemo: false });
    },
    disableLogin: async (login: string) => {
      calls.push(["disable", login]);
      if (login === "boss") throw { code: "last_admin", message: "boss is the last administrator", params: {} };
    },
    enableLogin: async (login: string) => void calls.push(["enable", login]),
    setLoginRole: async (login: string, role: LoginRole) => void calls.push(["role", login, role]),
    setLoginPassword: async (login: string, password: string) => void calls.push(["password", login, password]),
    contractPlans: async () => plans,
    applyContracts: async () => {
      calls.push(["apply"]);
      return plans.map((p) => ({ ...p, state: "applied" as const, databaseSha256: p.folderSha256 }));
    },
  };
}

const q = <T extends Element = HTMLElement>(root: Element, id: string): T => {
  const el = root.querySelector<T>(`[data-testid='${id}']`);
  if (!el) throw new Error(`no ${id}`);
  return el;
};

function type(input: HTMLInputElement | HTMLSelectElement, value: string): void {
  input.value = value;
  input.dispatchEvent(new Event("change"));
}

describe("Users screen", () => {
  beforeEach(() => {
    document.body.replaceChildren();
    setLanguage("en");
  });

  it("lists logins and creates one only with two equal passwords of 8 characters or more", async () => {
    const admin = fakeAdmin();
    const screen = makeUsersScreen(admin)(context(["reader", "admin"]));
    document.body.append(screen.el);
    await tick();
    expect(q(screen.el, "users-row-dana").textContent).toContain("dana");
    type(q<HTMLInputElement>(screen.el, "users-new-login"), "eli");
    type(q<HTMLSelectElement>(screen.el, "users-new-role"), "supervisor");
    type(q<HTMLInputElement>(screen.el, "users-new-password"), "long enough 1");
    type(q<HTMLInputElement>(screen.el, "users-new-again"), "long enough 2");
    q<HTMLButtonElement>(screen.el, "users-add").click();
    await tick();
    expect(admin.calls).toEqual([]);
    expect(q(screen.el, "users-message").textContent).toBe(t("users.passwordsDiffer"));
    type(q<HTMLInputElement>(screen.el, "users-new-again"), "long enough 1");
    q<HTMLButtonElement>(screen.el, "users-add").click();
    await tick(20);
    expect(admin.calls).toEqual([["add", "eli", "supervisor", "long enough 1"]]);
    expect(q(screen.el, "users-row-eli").textContent).toContain("eli");
    expect(q(screen.el, "users-message").textContent).toBe(t("users.added", { login: "eli" }));
  });

  it("changes a role, resets a password, and shows a refusal by its code", async () => {
    const admin = fakeAdmin();
    const screen = makeUsersScreen(admin)(context(["admin"]));
    document.body.append(screen.el);
    await tick();
    type(q<HTMLSelectElement>(screen.el, "users-role-dana"), "reader");
    await tick(20);
    expect(admin.calls).toContainEqual(["role", "dana", "reader"]);
    q<HTMLButtonElement>(screen.el, "users-reset-dana").click();
    type(q<HTMLInputElement>(screen.el, "users-reset-password-dana"), "short");
    type(q<HTMLInputElement>(screen.el, "users-reset-again-dana"), "short");
    q<HTMLButtonElement>(screen.el, "users-reset-save-dana").click();
    await tick();
    expect(q(screen.el, "users-message").textContent).toBe(t("error.password_too_short", { min: 8 }));
    type(q<HTMLInputElement>(screen.el, "users-reset-password-dana"), "a new secret");
    type(q<HTMLInputElement>(screen.el, "users-reset-again-dana"), "a new secret");
    q<HTMLButtonElement>(screen.el, "users-reset-save-dana").click();
    await tick(20);
    expect(admin.calls).toContainEqual(["password", "dana", "a new secret"]);
    // Disabling oneself: confirmed, sent, refused by the database, shown by code.
    q<HTMLButtonElement>(screen.el, "users-disable-boss").click();
    await tick();
    q<HTMLButtonElement>(document.body, "confirm-ok").click();
    await tick(20);
    expect(admin.calls).toContainEqual(["disable", "boss"]);
    const shown = q(screen.el, "users-message");
    expect(shown.className).toContain("error");
    expect(shown.textContent).toContain(t("error.last_admin", { message: "" }).trim().slice(0, 20));
  });

  it("says administrators only to anyone else, and the sidebar hides both screens from them", async () => {
    const admin = fakeAdmin();
    const screen = makeUsersScreen(admin)(context(["clerk"]));
    await tick();
    expect(screen.el.textContent).toContain(t("users.adminsOnly"));
    const adminOnly = SCREENS.filter((s) => "adminOnly" in s && s.adminOnly).map((s) => s.route);
    expect(adminOnly).toEqual(["users", "contracts"]);
    for (const entry of SCREENS) {
      expect(shownTo(entry, context(["clerk", "supervisor"]))).toBe(!adminOnly.includes(entry.route));
      expect(shownTo(entry, context(["admin"]))).toBe(true);
      expect(shownTo(entry, context(["admin"], false))).toBe(!adminOnly.includes(entry.route));
    }
  });

  it("checks passwords before sending them", () => {
    expect(passwordProblem("1234567", "1234567")).toBe(t("error.password_too_short", { min: 8 }));
    expect(passwordProblem("12345678", "12345679")).toBe(t("users.passwordsDiffer"));
    expect(passwordProblem("שמונה תווים", "שמונה תווים")).toBeNull();
  });
});

describe("Contracts screen", () => {
  beforeEach(() => {
    document.body.replaceChildren();
    setLanguage("en");
  });

  const plan = (dataset: string, state: ContractPlan["state"], refusal: string | null = null): ContractPlan => ({
    dataset,
    state,
    folderSha256: state === "database_only" ? null : "a".repeat(64),
    databaseSha256: state === "new" ? null : "b".repeat(64),
    appliedBy: state === "new" ? null : "admin",
    appliedAt: state === "new" ? null : "2026-11-01T10:00:00Z",
    addedColumns: state === "changed" ? ["note"] : [],
    refusal,
  });

  it("applies only when something is new or changed and nothing is refused", () => {
    expect(canApply([plan("a", "applied")])).toBe(false);
    expect(canApply([plan("a", "applied"), plan("b", "new")])).toBe(true);
    expect(canApply([plan("b", "new"), plan("c", "changed", "column 'x' would change type")])).toBe(false);
    expect(canApply([plan("d", "database_only")])).toBe(false);
  });

  it("shows each contract's state and refusal, and applies after confirmation", async () => {
    const refused = fakeAdmin([plan("welfare_patients", "applied"), plan("hamal", "changed", "merge keys would change")]);
    const screen = makeContractsScreen(refused)(context(["admin"]));
    document.body.append(screen.el);
    await tick();
    expect(q(screen.el, "contract-welfare_patients").dataset["state"]).toBe("applied");
    expect(q(screen.el, "contract-hamal").textContent).toContain("merge keys would change");
    expect(q<HTMLButtonElement>(screen.el, "contracts-apply").disabled).toBe(true);

    document.body.replaceChildren();
    const admin = fakeAdmin([plan("welfare_patients", "changed"), plan("av_bait", "new")]);
    const ok = makeContractsScreen(admin)(context(["admin"]));
    document.body.append(ok.el);
    await tick();
    expect(q(ok.el, "contract-welfare_patients").textContent).toContain("note");
    const apply = q<HTMLButtonElement>(ok.el, "contracts-apply");
    expect(apply.disabled).toBe(false);
    apply.click();
    await tick();
    q<HTMLButtonElement>(document.body, "confirm-ok").click();
    await tick(20);
    expect(admin.calls).toEqual([["apply"]]);
    expect(q(ok.el, "contract-av_bait").dataset["state"]).toBe("applied");
    expect(q(ok.el, "contracts-message").textContent).toBe(t("contracts.applied"));
  });
});
