// Contracts (administrators only): every contract of the contracts folder
// beside what the database holds (new, changed, applied, or in the database
// only), why applying a change would be refused (tried and rolled back by the
// core, the same checks as `contracts apply`), and Apply.
import type { AppContext, Screen } from "../context";
import { isAdmin, isOnline } from "../context";
import { h, mount } from "../dom";
import { formatDateTime, t, translateError } from "../i18n";
import { tauriAdminBackend, type AdminBackend, type ContractPlan } from "../admin";
import { confirmDialog, errorBox, loading, screenHead, table } from "./common";

/** Whether Apply has anything to do and nothing is refused. */
export function canApply(plans: readonly ContractPlan[]): boolean {
  const pending = plans.filter((p) => p.state === "new" || p.state === "changed");
  return pending.length > 0 && pending.every((p) => p.refusal === null);
}

const short = (sha: string | null): string => (sha ? sha.slice(0, 12) : "—");

export function makeContractsScreen(admin: AdminBackend): (ctx: AppContext) => Screen {
  return (ctx) => {
    const body = h("div", { class: "screen-body" });
    const message = h("p", { class: "form-message", role: "status", "data-testid": "contracts-message" });
    const apply = h("button", { class: "btn primary", type: "button", "data-testid": "contracts-apply", disabled: true }, t("contracts.apply"));

    function render(plans: ContractPlan[]): void {
      apply.disabled = !canApply(plans);
      const rows = plans.map((p) =>
        h(
          "tr",
          { "data-testid": `contract-${p.dataset}`, "data-state": p.state },
          h("td", { dir: "ltr" }, p.dataset),
          h("td", null, t(`contracts.state.${p.state}`)),
          h("td", { dir: "ltr", class: "mono small", title: p.folderSha256 ?? "" }, short(p.folderSha256)),
          h("td", { dir: "ltr", class: "mono small", title: p.databaseSha256 ?? "" }, short(p.databaseSha256)),
          h("td", null, p.appliedBy ?? "", p.appliedAt ? h("span", { class: "muted small" }, ` ${formatDateTime(p.appliedAt)}`) : null),
          h(
            "td",
            { dir: "auto", class: p.refusal ? "error-text" : null },
            p.refusal ? t("contracts.refused", { reason: p.refusal }) : p.addedColumns.length > 0 ? t("contracts.adds", { columns: p.addedColumns.join(", ") }) : "",
          ),
        ),
      );
      mount(body, table(t("nav.contracts"), [t("common.dataset"), t("contracts.stateHead"), t("contracts.folder"), t("contracts.database"), t("contracts.appliedBy"), t("contracts.note")], rows, t("contracts.empty")));
    }

    async function load(): Promise<void> {
      if (!isOnline(ctx)) return mount(body, h("p", { class: "empty-state" }, t("common.needsDatabase")));
      if (!isAdmin(ctx)) return mount(body, h("p", { class: "empty-state" }, t("users.adminsOnly")));
      mount(body, loading());
      try {
        render(await admin.contractPlans());
      } catch (error) {
        mount(body, errorBox(error));
      }
    }

    apply.addEventListener("click", async () => {
      if (!(await confirmDialog(t("contracts.apply"), t("contracts.confirmApply"), t("contracts.apply")))) return;
      apply.disabled = true;
      try {
        render(await admin.applyContracts());
        message.className = "form-message";
        message.textContent = t("contracts.applied");
      } catch (error) {
        message.className = "form-message error";
        message.textContent = translateError(error);
        await load();
      }
    });

    void load();
    const el = h("section", { class: "screen contracts", "aria-labelledby": "contracts-title" }, screenHead("contracts-title", t("nav.contracts"), apply), message, body);
    return { el };
  };
}

export const contractsScreen = makeContractsScreen(tauriAdminBackend);
