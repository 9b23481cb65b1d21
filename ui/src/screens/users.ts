// Users (administrators only): the Citizen DB logins, their role and whether
// they can sign in; create one with a first password, change a role, reset a
// password, disable or enable. The database decides (migrations/0005); its
// refusals are shown by code.
import type { AppContext, Screen } from "../context";
import { isAdmin, isOnline } from "../context";
import { h, mount, select } from "../dom";
import { t, translateError } from "../i18n";
import { LOGIN_ROLES, MIN_PASSWORD_CHARS, tauriAdminBackend, type AdminBackend, type LoginRole, type LoginView } from "../admin";
import { confirmDialog, errorBox, loading, screenHead, table } from "./common";

/** Why a new password cannot be used, or null: too short, or the two differ. */
export function passwordProblem(password: string, again: string): string | null {
  if ([...password].length < MIN_PASSWORD_CHARS) return t("error.password_too_short", { min: MIN_PASSWORD_CHARS });
  if (password !== again) return t("users.passwordsDiffer");
  return null;
}

const roleOptions = (): [string, string][] => LOGIN_ROLES.map((r): [string, string] => [r, t(`users.role.${r}`)]);

export function makeUsersScreen(admin: AdminBackend): (ctx: AppContext) => Screen {
  return (ctx) => {
    const body = h("div", { class: "screen-body" });
    const message = h("p", { class: "form-message", role: "status", "data-testid": "users-message" });
    const say = (text: string, error = false): void => {
      message.className = error ? "form-message error" : "form-message";
      message.textContent = text;
    };
    const act = async (what: () => Promise<void>, done: string): Promise<void> => {
      try {
        await what();
        say(done);
        await load();
      } catch (error) {
        say(translateError(error), true);
      }
    };

    const password = (id: string): HTMLInputElement => h("input", { class: "input small", type: "password", autocomplete: "new-password", "data-testid": id, "aria-label": t("settings.password") });
    const newLogin = h("input", { class: "input small", type: "text", dir: "ltr", autocomplete: "off", "data-testid": "users-new-login", "aria-label": t("users.login"), placeholder: t("users.login") });
    const newRole = select({ class: "input small", "data-testid": "users-new-role", "aria-label": t("users.role") }, roleOptions(), "clerk");
    const newPassword = password("users-new-password");
    const newAgain = password("users-new-again");
    const form = h(
      "form",
      { class: "toolbar filters", "aria-label": t("users.add") },
      h("label", { class: "field" }, h("span", { class: "small muted" }, t("users.login")), newLogin),
      h("label", { class: "field" }, h("span", { class: "small muted" }, t("users.role")), newRole),
      h("label", { class: "field" }, h("span", { class: "small muted" }, t("users.password")), newPassword),
      h("label", { class: "field" }, h("span", { class: "small muted" }, t("users.again")), newAgain),
      h("button", { class: "btn primary", type: "submit", "data-testid": "users-add" }, t("users.add")),
    );
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const problem = passwordProblem(newPassword.value, newAgain.value);
      if (problem) return say(problem, true);
      const login = newLogin.value.trim();
      void act(async () => {
        await admin.addLogin(login, newRole.value as LoginRole, newPassword.value);
        newLogin.value = newPassword.value = newAgain.value = "";
      }, t("users.added", { login }));
    });

    function row(l: LoginView): HTMLTableRowElement {
      const role = select({ class: "input small", "data-testid": `users-role-${l.login}`, "aria-label": t("users.role") }, roleOptions(), l.roles[0] ?? null);
      role.addEventListener("change", () => void act(() => admin.setLoginRole(l.login, role.value as LoginRole), t("users.roleChanged", { login: l.login })));
      const reset = h("button", { class: "btn", type: "button", "data-testid": `users-reset-${l.login}` }, t("users.reset"));
      const resetBox = h("span", { class: "inline-form", hidden: true });
      reset.addEventListener("click", () => {
        const first = password(`users-reset-password-${l.login}`);
        const again = password(`users-reset-again-${l.login}`);
        const save = h("button", { class: "btn primary", type: "button", "data-testid": `users-reset-save-${l.login}` }, t("users.save"));
        save.addEventListener("click", () => {
          const problem = passwordProblem(first.value, again.value);
          if (problem) return say(problem, true);
          void act(() => admin.setLoginPassword(l.login, first.value), t("users.passwordChanged", { login: l.login }));
        });
        mount(resetBox, first, again, save);
        resetBox.hidden = false;
        first.focus();
      });
      const toggle = l.canLogin
        ? h("button", { class: "btn danger", type: "button", "data-testid": `users-disable-${l.login}` }, t("users.disable"))
        : h("button", { class: "btn", type: "button", "data-testid": `users-enable-${l.login}` }, t("users.enable"));
      toggle.addEventListener("click", async () => {
        if (l.canLogin) {
          if (!(await confirmDialog(t("users.disable"), t("users.confirmDisable", { login: l.login }), t("users.disable")))) return;
          void act(() => admin.disableLogin(l.login), t("users.disabled", { login: l.login }));
        } else {
          void act(() => admin.enableLogin(l.login), t("users.enabled", { login: l.login }));
        }
      });
      return h(
        "tr",
        { "data-testid": `users-row-${l.login}` },
        h("td", { dir: "ltr" }, l.login, l.isDemo ? h("span", { class: "muted small" }, ` (${t("users.demo")})`) : null),
        h("td", null, role),
        h("td", null, l.canLogin ? t("users.canLogin") : t("users.cannotLogin")),
        h("td", null, reset, resetBox, " ", toggle),
      );
    }

    async function load(): Promise<void> {
      if (!isOnline(ctx)) return mount(body, h("p", { class: "empty-state" }, t("common.needsDatabase")));
      if (!isAdmin(ctx)) return mount(body, h("p", { class: "empty-state" }, t("users.adminsOnly")));
      mount(body, loading());
      try {
        const logins = await admin.listLogins();
        mount(body, form, table(t("nav.users"), [t("users.login"), t("users.role"), t("users.state"), t("users.actions")], logins.map(row), t("users.empty")));
      } catch (error) {
        mount(body, errorBox(error));
      }
    }

    void load();
    const el = h("section", { class: "screen users", "aria-labelledby": "users-title" }, screenHead("users-title", t("nav.users")), message, body);
    return { el };
  };
}

export const usersScreen = makeUsersScreen(tauriAdminBackend);
