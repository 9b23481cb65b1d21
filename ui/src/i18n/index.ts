// Message catalogs, the current language, and Intl formatting. Every string
// the UI shows comes from `he.ts` / `en.ts` through `t`.
import type { Language } from "../appearance";
import { isErrorPayload, type IssueCode } from "../backend";
import type { AuditAction } from "../bindings/AuditAction";
import type { FileStatus } from "../bindings/FileStatus";
import type { RequestStatus } from "../bindings/RequestStatus";
import { en, type MessageKey } from "./en";
import { he } from "./he";

export type { MessageKey };
export const catalogs: Record<Language, Record<MessageKey, string>> = { he, en };

let current: Language = "he";

export function language(): Language {
  return current;
}

/** Switch language and set `lang`/`dir` on <html>. */
export function setLanguage(lang: Language, doc: Document = document): void {
  current = lang;
  doc.documentElement.lang = lang;
  doc.documentElement.dir = lang === "he" ? "rtl" : "ltr";
}

export function hasKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

/** Replace `{name}` placeholders with params. */
export function interpolate(template: string, params?: Record<string, unknown>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined || value === null) return whole;
    if (typeof value === "number") return formatNumber(value);
    if (Array.isArray(value)) return value.map(String).join(", ");
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  });
}

export function t(key: MessageKey, params?: Record<string, unknown>): string {
  return interpolate(catalogs[current][key], params);
}

/** Translation of a SPEC §4 issue code (the code itself when a stored report
 * holds one this UI does not know). */
export function issueCodeLabel(code: IssueCode): string {
  const key = `code.${code}` as const;
  return hasKey(key) ? t(key) : code;
}

/** What an issue message is made from: a report `Issue` or a grid `CellIssue`. */
export interface IssueText {
  code: IssueCode;
  column: string | null;
  value: string | null;
  message: string;
  header?: string | null;
  params?: { [key in string]?: string };
}

/** The catalog key for an issue: by code, refined by `expected`/`format` for
 * `type`, by `reason` for `israeli_id`, by `detail` for file-level failures. */
export function issueKey(issue: IssueText): string {
  const params = issue.params ?? {};
  switch (issue.code) {
    case "type":
      return `issue.type.${params["expected"] ?? ""}${params["format"] ? "_format" : ""}`;
    case "israeli_id":
      return `issue.israeli_id.${params["reason"] ?? ""}`;
    case "empty_file":
      return params["detail"] ? "issue.empty_file_detail" : "issue.empty_file";
    default:
      return `issue.${issue.code}`;
  }
}

/** An issue's message in the current language; the English message from the
 * report when the catalog has no entry for it (a newer core than this UI). */
export function issueMessage(issue: IssueText): string {
  const key = issueKey(issue);
  if (!hasKey(key)) return issue.message;
  const quoted: Record<string, string> = {};
  const values: Record<string, string | null | undefined> = { ...issue.params, column: issue.column, header: issue.header, value: issue.value };
  for (const [name, value] of Object.entries(values)) if (value !== undefined && value !== null) quoted[name] = isolate(value);
  // A report stored before issues carried params (or one missing a name the
  // sentence needs) keeps its own message rather than show a bare `{limit}`.
  const template = catalogs[current][key];
  const missing = (template.match(/\{(\w+)\}/g) ?? []).some((hole) => quoted[hole.slice(1, -1)] === undefined);
  return missing ? issue.message : t(key, quoted);
}

/** Wraps quoted text in Unicode first-strong isolates, so a column name or a
 * date inside a Hebrew sentence keeps its own direction and its place. */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}

/** Translation of a file's or a request's status (every member has its
 * sentence: the catalogs' type requires it). */
export function statusLabel(status: FileStatus | RequestStatus): string {
  return t(`status.${status}`);
}

/** Translation of an audit entry's action. */
export function auditActionLabel(action: AuditAction): string {
  return t(`audit.${action}`);
}

/** A rejected command's message in the current language, by `code` with
 * `params` (every `ErrorCode` has a sentence: the catalogs' type requires it;
 * `error.unknown` only for a code from a newer core than this UI). */
export function translateError(error: unknown): string {
  if (isErrorPayload(error)) {
    const key = `error.${error.code}` as const;
    const params = { ...(error.params ?? {}), message: error.message };
    return hasKey(key) ? t(key, params) : t("error.unknown", params);
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

function locale(): string {
  return current === "he" ? "he-IL" : "en-GB";
}

export function formatNumber(value: number): string {
  return new Intl.NumberFormat(locale()).format(value);
}

export function formatPercent(ratio: number): string {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(ratio);
}

/** A date-time from an ISO string; the input itself when it does not parse. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(date);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium" }).format(date);
}

/** `t` for keys built at run time; the key itself when the catalog lacks it. */
export function tx(key: string, params?: Record<string, unknown>): string {
  return hasKey(key) ? t(key, params) : key;
}
