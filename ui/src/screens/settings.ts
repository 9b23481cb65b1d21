// Settings: database (embedded or a server URL, its TLS mode and CA file), sign-in, language, theme.
import type { AppContext, Screen } from "../context";
import { h, select } from "../dom";
import { t, translateError } from "../i18n";
import type { Settings } from "../backend";
import type { SslMode } from "../bindings/SslMode";
import { screenHead } from "./common";
import { LANGUAGES, LANGUAGE_NAMES, THEMES, THEME_LABELS, toLanguage, toTheme } from "../appearance";

export function settingsScreen(ctx: AppContext): Screen {
  const current: Settings = { ...ctx.settings };

  // database
  const embedded = h("input", { type: "radio", name: "db-mode", id: "db-embedded", value: "embedded", "data-testid": "db-embedded" });
  const server = h("input", { type: "radio", name: "db-mode", id: "db-server", value: "server", "data-testid": "db-server" });
  const url = h("input", { class: "input", id: "db-url", type: "text", dir: "ltr", placeholder: "postgres://host:5432/citizen", "aria-label": t("settings.serverUrl"), "data-testid": "db-url", value: current.databaseUrl ?? "" });
  // TLS: the mode ("" keeps what the URL says) and the CA file, picked with the native dialog.
  const sslModes: readonly (readonly [SslMode, string])[] = [
    ["verify-full", t("settings.tlsVerifyFull")],
    ["verify-ca", t("settings.tlsVerifyCa")],
    ["require", t("settings.tlsRequire")],
    ["prefer", t("settings.tlsPrefer")],
    ["disable", t("settings.tlsDisable")],
  ];
  const tlsMode = select(
    { class: "input", id: "db-tls-mode", "data-testid": "db-tls-mode", "aria-label": t("settings.tlsMode") },
    [["", t("settings.tlsFromUrl")], ...sslModes],
    current.sslMode ?? "",
  );
  let caFile: string | null = current.caFile;
  const caFileText = h("span", { class: "ca-file", dir: "ltr", id: "db-ca-file", "data-testid": "db-ca-file" });
  const showCaFile = (): void => {
    caFileText.textContent = caFile ?? t("settings.caFileNone");
  };
  showCaFile();
  const chooseCa = h("button", { class: "btn", type: "button", "data-testid": "btn-choose-ca", "aria-label": t("settings.chooseCaFile") }, t("settings.chooseCaFile"));
  const clearCa = h("button", { class: "btn", type: "button", "data-testid": "btn-clear-ca", "aria-label": t("settings.clearCaFile") }, t("settings.clearCaFile"));
  chooseCa.addEventListener("click", async () => {
    try {
      const picked = await ctx.backend.pickCaFile();
      if (picked !== null) caFile = picked;
    } catch (error) {
      ctx.notify(translateError(error), "error");
    }
    showCaFile();
  });
  clearCa.addEventListener("click", () => {
    caFile = null;
    showCaFile();
  });
  embedded.checked = current.databaseUrl === null;
  server.checked = current.databaseUrl !== null;
  const syncMode = (): void => {
    for (const control of [url, tlsMode, chooseCa, clearCa]) control.disabled = embedded.checked;
  };
  syncMode();
  embedded.addEventListener("change", syncMode);
  server.addEventListener("change", syncMode);
  const saveDb = h("button", { class: "btn primary", type: "submit", "data-testid": "btn-save-db", "aria-label": t("settings.saveDatabase") }, t("settings.saveDatabase"));
  const dbForm = h(
    "form",
    { class: "card form", "aria-labelledby": "db-title" },
    h("h2", { id: "db-title" }, t("settings.database")),
    h("label", { class: "radio", for: "db-embedded" }, embedded, t("settings.embedded")),
    h("label", { class: "radio", for: "db-server" }, server, t("settings.server")),
    h("label", { for: "db-url", class: "field" }, h("span", null, t("settings.serverUrl")), url),
    h("label", { for: "db-tls-mode", class: "field" }, h("span", null, t("settings.tlsMode")), tlsMode),
    h("div", { class: "field", role: "group", "aria-labelledby": "db-ca-label" }, h("span", { id: "db-ca-label" }, t("settings.caFile")), caFileText, h("div", { class: "form-actions" }, chooseCa, clearCa)),
    h("div", { class: "form-actions" }, saveDb),
  );
  dbForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    current.databaseUrl = server.checked && url.value.trim() !== "" ? url.value.trim() : null;
    current.sslMode = current.databaseUrl !== null ? ((tlsMode.value || null) as SslMode | null) : null;
    current.caFile = current.databaseUrl !== null ? caFile : null;
    await save();
    url.value = current.databaseUrl ?? "";
    await ctx.refreshStatus();
  });

  // sign-in
  const status = ctx.status;
  const user = h("input", { class: "input", id: "signin-user", type: "text", autocomplete: "username", "aria-label": t("settings.user"), "data-testid": "signin-user", value: current.user ?? status?.user ?? "" });
  const password = h("input", { class: "input", id: "signin-password", type: "password", autocomplete: "current-password", "aria-label": t("settings.password"), "data-testid": "signin-password" });
  const remember = h("input", { type: "checkbox", id: "signin-remember", "data-testid": "signin-remember" });
  const signInMessage = h("p", { class: "form-message", role: "status" });
  const signInForm = h(
    "form",
    { class: "card form", "aria-labelledby": "signin-title" },
    h("h2", { id: "signin-title" }, t("settings.signIn")),
    status
      ? h("p", { class: "muted small", "data-testid": "connection-info" }, status.connected ? t("settings.connectedAs", { user: status.user ?? "—", roles: status.roles.map((r) => t(`users.role.${r}`)).join(", ") || "—" }) : t("offline.banner"))
      : null,
    h("label", { for: "signin-user", class: "field" }, h("span", null, t("settings.user")), user),
    h("label", { for: "signin-password", class: "field" }, h("span", null, t("settings.password")), password),
    h("label", { class: "check", for: "signin-remember" }, remember, t("settings.remember")),
    h(
      "div",
      { class: "form-actions" },
      h("button", { class: "btn primary", type: "submit", "data-testid": "btn-sign-in", "aria-label": t("settings.signInButton") }, t("settings.signInButton")),
      status?.connected ? h("button", { class: "btn", type: "button", "data-testid": "btn-sign-out", onclick: () => void signOut() }, t("settings.signOut")) : null,
    ),
    signInMessage,
  );
  signInForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    signInMessage.className = "form-message";
    try {
      await ctx.backend.signIn(user.value.trim(), password.value, remember.checked);
      password.value = "";
      current.user = user.value.trim() || null;
      await save(false);
      signInMessage.textContent = t("settings.signedIn");
      await ctx.refreshStatus();
    } catch (error) {
      signInMessage.className = "form-message error";
      signInMessage.textContent = translateError(error);
    }
  });

  async function signOut(): Promise<void> {
    try {
      await ctx.backend.signOut();
      current.user = null;
      ctx.settings = { ...current };
      signInMessage.textContent = t("settings.signedOut");
    } catch (error) {
      signInMessage.className = "form-message error";
      signInMessage.textContent = translateError(error);
    }
    await ctx.refreshStatus();
  }

  // appearance
  const lang = select({ class: "input", id: "lang-select", "data-testid": "lang-select", "aria-label": t("settings.language") }, LANGUAGES.map((l): [string, string] => [l, LANGUAGE_NAMES[l]]), current.language);
  const theme = select(
    { class: "input", id: "theme-select", "data-testid": "theme-select", "aria-label": t("settings.theme") },
    THEMES.map((theme): [string, string] => [theme, t(THEME_LABELS[theme])]),
    current.theme,
  );
  lang.addEventListener("change", async () => {
    current.language = toLanguage(lang.value);
    await save();
  });
  theme.addEventListener("change", async () => {
    current.theme = toTheme(theme.value);
    await save();
  });
  const look = h(
    "div",
    { class: "card form", role: "group", "aria-labelledby": "look-title" },
    h("h2", { id: "look-title" }, t("settings.appearance")),
    h("label", { for: "lang-select", class: "field" }, h("span", null, t("settings.language")), lang),
    h("label", { for: "theme-select", class: "field" }, h("span", null, t("settings.theme")), theme),
  );

  async function save(apply = true): Promise<void> {
    try {
      const saved = await ctx.backend.saveSettings({ ...current });
      // As saved: the password written in a server URL is never kept in it.
      current.databaseUrl = saved.settings.databaseUrl;
      current.user = saved.settings.user;
      if (saved.urlPassword === "keyring") ctx.notify(t("settings.urlPasswordKeyring"), "info");
      if (saved.urlPassword === "session") ctx.notify(t("settings.urlPasswordSession"), "info");
    } catch (error) {
      ctx.notify(translateError(error), "error");
    }
    if (apply) await ctx.applySettings({ ...current });
    else ctx.settings = { ...current };
    ctx.notify(t("settings.saved"), "success");
  }

  const el = h("section", { class: "screen settings", "aria-labelledby": "settings-title" }, screenHead("settings-title", t("nav.settings")), h("div", { class: "settings-grid" }, look, signInForm, dbForm));
  return { el };
}
