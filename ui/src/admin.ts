// The administrator's commands (logins and contracts), apart from `Backend`
// so the Users and Contracts screens can be tested with a fake and the shared
// `Backend` of the other screens stays as it is. Typed by `commands.ts`.
import { call } from "./commands";
import type { ContractPlan } from "./bindings/ContractPlan";
import type { LoginRole } from "./bindings/LoginRole";
import type { LoginView } from "./bindings/LoginView";

export type { ContractPlan, LoginRole, LoginView };

/** Every login role, in the order the screens offer them. */
export const LOGIN_ROLES: readonly LoginRole[] = ["clerk", "supervisor", "reader", "admin"];

/** The shortest password the core accepts (ops::users::MIN_PASSWORD_CHARS). */
export const MIN_PASSWORD_CHARS = 8;

export interface AdminBackend {
  listLogins(): Promise<LoginView[]>;
  addLogin(login: string, role: LoginRole, password: string): Promise<void>;
  disableLogin(login: string): Promise<void>;
  enableLogin(login: string): Promise<void>;
  setLoginRole(login: string, role: LoginRole): Promise<void>;
  setLoginPassword(login: string, password: string): Promise<void>;
  contractPlans(): Promise<ContractPlan[]>;
  /** Applies the folder's contracts, then resolves to the comparison again. */
  applyContracts(): Promise<ContractPlan[]>;
}

export const tauriAdminBackend: AdminBackend = {
  listLogins: () => call("list_logins"),
  addLogin: (login, role, password) => call("add_login", { login, role, password }),
  disableLogin: (login) => call("disable_login", { login }),
  enableLogin: (login) => call("enable_login", { login }),
  setLoginRole: (login, role) => call("set_login_role", { login, role }),
  setLoginPassword: (login, password) => call("set_login_password", { login, password }),
  contractPlans: () => call("contract_plans"),
  applyContracts: () => call("apply_contracts"),
};
