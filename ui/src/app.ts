// The window shell: sidebar navigation, offline banner, the sign-in prompt
// (the app starts signed out), the demo-logins banner, notices, and the
// current screen. Takes the backend as a parameter so it runs in tests.
import type { Theme } from "./appearance";
import type { Backend, Settings } from "./backend";
import type { DatabaseMode } from "./bindings/DatabaseMode";
import type { AppContext, NoticeKind, Screen } from "./context";
import { h, mount } from "./dom";
import type { DropSource } from "./drop";
import { formatNumber, setLanguage, t, translateError, type MessageKey } from "./i18n";

/** The banner's name of each database mode. */
const DATABASE_MODE_LABELS: Record<DatabaseMode, MessageKey> = { embedded: "settings.embedded", server: "settings.server" };
import { SCREENS, screenOf, shownTo, type Route } from "./screens";
import { LoadState } from "./screens/load-state";
import { onRequestsChanged, readPendingCount } from "./pending";

export type { Route };

export const DEFAULT_SETTINGS: Settings = { databaseUrl: null, sslMode: null, caFile: null, user: null, language: "he", theme: "system" };

export function applyTheme(theme: Theme, doc: Document = document): void {
  if (theme === "system") delete doc.documentElement.dataset["theme"];
  else doc.documentElement.dataset["theme"] = theme;
}

export interface App {
  ctx: AppContext;
  go(route: Route): void;
  route(): Route;
  dispose(): void;
}

export async function startApp(root: HTMLElement, backend: Backend, drop: DropSource | null, statusEvery = 15000): Promise<App> {
  let settings: Settings = DEFAULT_SETTINGS;
  try {
    settings = { ...DEFAULT_SETTINGS, ...(await backend.getSettings()) };
  } catch {
    // defaults
  }
  let route: Route = "load";
  let screen: Screen | null = null;
  /** Pending requests on the Approvals item (null: no badge for this login). */
  let pending: number | null = null;
  const notices = h("div", { class: "notices", role: "status", "aria-live": "polite" });
  const banner = h("div", { class: "offline-banner", role: "alert", "data-testid": "offline-banner", hidden: true });
  const demoBanner = h("div", { class: "demo-banner", role: "alert", "data-testid": "demo-banner", hidden: true });
  const prompt = h("div", { class: "signin-prompt", "data-testid": "signin-prompt", hidden: true });
  const nav = h("nav", { class: "sidebar" });
  const main = h("main", { class: "content", id: "content", tabindex: -1 });

  const ctx: AppContext = {
    backend,
    drop,
    status: null,
    settings,
    loadState: new LoadState(),
    notify(message: string, kind: NoticeKind = "info") {
      const note = h("div", { class: `notice ${kind}`, role: kind === "error" ? "alert" : null, "data-kind": kind }, message);
      const close = h("button", { class: "btn icon", type: "button", "aria-label": t("common.dismiss"), onclick: () => note.remove() }, "✕");
      note.append(close);
      notices.append(note);
      setTimeout(() => note.remove(), kind === "error" ? 12000 : 5000);
    },
    async refreshStatus() {
      const before = JSON.stringify(ctx.status);
      try {
        ctx.status = await backend.connectionStatus();
      } catch (error) {
        ctx.status = { mode: "embedded", connected: false, user: null, roles: [], message: translateError(error), needsSignIn: false, demoLogins: false };
      }
      renderBanner();
      renderNav();
      if (JSON.stringify(ctx.status) !== before && screenOf(route).followsStatus) show(route);
      void refreshPending();
    },
    async applySettings(next: Settings) {
      ctx.settings = next;
      setLanguage(next.language);
      applyTheme(next.theme);
      renderShell();
    },
  };

  function renderBanner(): void {
    const status = ctx.status;
    const signedOut = status !== null && !status.connected && status.needsSignIn;
    const offline = status !== null && !status.connected && !status.needsSignIn;
    banner.hidden = !offline;
    demoBanner.hidden = !status?.demoLogins;
    if (status?.demoLogins) mount(demoBanner, h("strong", null, t("demo.banner")), " ", h("span", null, t("demo.detail")));
    const wasHidden = prompt.hidden;
    prompt.hidden = !signedOut;
    if (signedOut && wasHidden) renderPrompt();
    if (offline) {
      mount(banner, h("strong", null, t("offline.banner")), " ", h("span", null, t("offline.detail")), status?.message ? h("span", { class: "muted small", dir: "auto" }, ` (${status.message})`) : null);
    }
  }

  function renderPrompt(): void {
    const user = h("input", { class: "input", id: "prompt-user", type: "text", autocomplete: "username", "aria-label": t("settings.user"), "data-testid": "prompt-user", value: ctx.settings.user ?? "" });
    const password = h("input", { class: "input", id: "prompt-password", type: "password", autocomplete: "current-password", "aria-label": t("settings.password"), "data-testid": "prompt-password" });
    const message = h("p", { class: "form-message", role: "status", "data-testid": "prompt-message" });
    const form = h(
      "form",
      { class: "prompt-form", "aria-labelledby": "prompt-title" },
      h("strong", { id: "prompt-title" }, t("signin.title")),
      " ",
      h("span", null, t("signin.detail")),
      h("label", { for: "prompt-user", class: "field" }, h("span", null, t("settings.user")), user),
      h("label", { for: "prompt-password", class: "field" }, h("span", null, t("settings.password")), password),
      h("button", { class: "btn primary", type: "submit", "data-testid": "prompt-sign-in" }, t("settings.signInButton")),
      message,
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      message.className = "form-message";
      message.textContent = "";
      try {
        await backend.signIn(user.value.trim(), password.value, false);
        password.value = "";
        ctx.settings = { ...ctx.settings, user: user.value.trim() || null };
      } catch (error) {
        message.className = "form-message error";
        message.textContent = translateError(error);
      }
      await ctx.refreshStatus();
    });
    mount(prompt, form);
  }

  function renderNav(): void {
    const status = ctx.status;
    mount(
      nav,
      h("div", { class: "brand" }, h("span", { class: "logo", "aria-hidden": "true" }, "◆"), h("span", null, t("app.title"))),
      h(
        "ul",
        { class: "nav-list", role: "list" },
        ...SCREENS.filter((entry) => shownTo(entry, ctx)).map(({ route: r, icon }) =>
          h(
            "li",
            null,
            h(
              "button",
              {
                type: "button",
                class: r === route ? "nav-item active" : "nav-item",
                "data-testid": `nav-${r}`,
                "aria-current": r === route ? "page" : null,
                "aria-label": t(`nav.${r}`),
                onclick: () => show(r),
              },
              h("span", { class: "nav-icon", "aria-hidden": "true" }, icon),
              h("span", null, t(`nav.${r}`)),
              r === "approvals" && pending !== null && pending > 0
                ? h("span", { class: "nav-badge", "data-testid": "nav-approvals-count", title: t("approvals.pendingBadge", { count: pending }) }, formatNumber(pending))
                : null,
            ),
          ),
        ),
      ),
      h(
        "div",
        { class: "nav-foot", "data-testid": "connection" },
        h("span", { class: status?.connected ? "dot ok" : "dot error", "aria-hidden": "true" }),
        h("span", null, status === null ? t("common.loading") : status.connected ? (status.user ?? t("status.connected")) : status.needsSignIn ? t("status.signedOut") : t("status.offline")),
        status?.connected ? h("span", { class: "muted small" }, t(DATABASE_MODE_LABELS[status.mode])) : null,
      ),
    );
  }

  /** Reads the pending count again; redraws the sidebar when it moved. */
  async function refreshPending(): Promise<void> {
    const next = await readPendingCount(ctx);
    if (next !== pending) {
      pending = next;
      renderNav();
    }
  }

  function show(next: Route): void {
    screen?.dispose?.();
    // A notice (such as "Settings saved.") belongs to the screen it was said
    // on: leaving that screen takes it away; errors stay their time.
    if (next !== route) for (const note of notices.querySelectorAll(".notice:not([data-kind=\"error\"])")) note.remove();
    if (next !== route) void refreshPending();
    route = next;
    screen = screenOf(next).create(ctx);
    mount(main, screen.el);
    renderNav();
  }

  function renderShell(): void {
    document.title = t("app.title");
    renderNav();
    prompt.hidden = true;
    renderBanner();
    show(route);
  }

  setLanguage(settings.language);
  applyTheme(settings.theme);
  mount(root, h("div", { class: "shell" }, nav, h("div", { class: "main-column" }, demoBanner, banner, prompt, main)), notices);
  renderShell();
  await ctx.refreshStatus();
  const timer = statusEvery > 0 ? setInterval(() => void ctx.refreshStatus(), statusEvery) : null;
  const stopPending = onRequestsChanged(() => void refreshPending());
  return {
    ctx,
    go: show,
    route: () => route,
    dispose() {
      if (timer) clearInterval(timer);
      stopPending();
      screen?.dispose?.();
    },
  };
}
