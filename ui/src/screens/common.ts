// Bits shared by the screens: tables, loading/error states, a confirm dialog.
import { h, type Child } from "../dom";
import { t, translateError } from "../i18n";

export function table(label: string, headings: readonly string[], rows: readonly HTMLTableRowElement[], empty: string): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty-state" }, empty);
  return h(
    "table",
    { class: "table", "aria-label": label },
    h("thead", null, h("tr", null, ...headings.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", null, ...rows),
  );
}

export function loading(): HTMLElement {
  return h("p", { class: "muted", role: "status" }, t("common.loading"));
}

export function errorBox(error: unknown): HTMLElement {
  const code = typeof error === "object" && error !== null && "code" in error ? String((error as { code: unknown }).code) : null;
  return h("div", { class: "alert error", role: "alert", "data-code": code }, translateError(error));
}

export function screenHead(id: string, title: string, ...actions: Child[]): HTMLElement {
  return h("header", { class: "screen-head" }, h("h1", { id }, title), h("div", { class: "head-actions" }, ...actions));
}

/** A modal confirmation; resolves true when confirmed. */
export function confirmDialog(title: string, body: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const previous = document.activeElement as HTMLElement | null;
    const close = (answer: boolean): void => {
      overlay.remove();
      previous?.focus?.();
      resolve(answer);
    };
    const ok = h("button", { class: "btn danger", type: "button", "data-testid": "confirm-ok", onclick: () => close(true) }, confirmLabel);
    const cancel = h("button", { class: "btn", type: "button", "data-testid": "confirm-cancel", onclick: () => close(false) }, t("common.cancel"));
    const dialog = h(
      "div",
      { class: "dialog", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "dialog-title", "aria-describedby": "dialog-body" },
      h("h2", { id: "dialog-title" }, title),
      h("p", { id: "dialog-body" }, body),
      h("div", { class: "dialog-actions" }, cancel, ok),
    );
    const overlay = h("div", { class: "overlay" }, dialog);
    overlay.addEventListener("keydown", (e) => {
      if (e.key === "Escape") close(false);
    });
    document.body.append(overlay);
    cancel.focus();
  });
}
