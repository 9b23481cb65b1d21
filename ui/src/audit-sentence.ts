// Activity in sentences: each audit entry as one sentence in the user's
// language ("clerk submitted request 12: Welfare patients 2026-11, 1,200
// rows"), built from the entry's typed fields (`action`, `requestId`,
// `facts`: never from the free text of its details). Every action has its
// template in both catalogs (`activity.sentence.<AuditAction>`, required by
// their type). The sentence comes as parts, so the screen can put the
// dataset's code on hover of its title.
import type { AuditView } from "./backend";
import type { AuditAction } from "./bindings/AuditAction";
import type { LoginRole } from "./bindings/LoginRole";
import { auditActionLabel, catalogs, formatNumber, isolate, language, t, type MessageKey } from "./i18n";

/** A piece of a sentence: text, or a dataset's title with its code. */
export type SentencePart = string | { text: string; dataset: string };

/** The template of each action (a record over the generated union). */
const SENTENCES: Record<AuditAction, MessageKey> = {
  submit: "activity.sentence.submit",
  submit_failed: "activity.sentence.submit_failed",
  approve: "activity.sentence.approve",
  load_failed: "activity.sentence.load_failed",
  reject: "activity.sentence.reject",
  rollback: "activity.sentence.rollback",
  contract_apply: "activity.sentence.contract_apply",
  login_add: "activity.sentence.login_add",
  login_disable: "activity.sentence.login_disable",
  login_enable: "activity.sentence.login_enable",
  login_role: "activity.sentence.login_role",
  login_password: "activity.sentence.login_password",
  column_alias: "activity.sentence.column_alias",
};

/** The name of each role a login may be given. */
const ROLE_NAMES: Record<LoginRole, MessageKey> = {
  clerk: "users.role.clerk",
  supervisor: "users.role.supervisor",
  reader: "users.role.reader",
  admin: "users.role.admin",
};

/** "1 row" / "1,200 rows" in the current language. */
export function rowsText(rows: number): string {
  const one = new Intl.PluralRules(language() === "he" ? "he-IL" : "en-GB").select(rows) === "one";
  return t(one ? "activity.rows.one" : "activity.rows.other", { count: formatNumber(rows) });
}

/** Fills `{name}` holes with parts; null when a hole has no value. */
function fill(template: string, values: Record<string, SentencePart | null>): SentencePart[] | null {
  const parts: SentencePart[] = [];
  let at = 0;
  for (const match of template.matchAll(/\{(\w+)\}/g)) {
    const value = values[match[1] ?? ""];
    if (value === null || value === undefined) return null;
    if (match.index > at) parts.push(template.slice(at, match.index));
    parts.push(value);
    at = match.index + match[0].length;
  }
  if (at < template.length) parts.push(template.slice(at));
  return parts;
}

/** The sentence of an entry, as parts. `title` gives a dataset's title in the
 * current language. An entry missing a value its sentence needs (written by
 * an older database) reads "actor: Action — what is known". */
export function auditSentenceParts(entry: AuditView, title: (dataset: string) => string): SentencePart[] {
  const { facts } = entry;
  const dataset: SentencePart | null = entry.dataset === null ? null : { text: isolate(title(entry.dataset)), dataset: entry.dataset };
  const what: SentencePart[] = [];
  if (dataset !== null) what.push(dataset);
  if (entry.period !== null) what.push(" ", isolate(entry.period));
  if (facts.rows !== null) what.push(", ", rowsText(facts.rows));
  const subject: SentencePart | null = what.length === 0 ? null : { text: "", dataset: "" };
  const text = (value: string | number | null): string | null => (value === null ? null : isolate(String(value)));
  const values: Record<string, SentencePart | null> = {
    actor: text(entry.actor),
    request: text(entry.requestId),
    dataset,
    subject,
    version: text(facts.version),
    from: text(facts.fromVersion),
    to: text(facts.toVersion),
    login: text(facts.login),
    role: facts.role === null ? null : t(ROLE_NAMES[facts.role]),
    file: text(facts.file),
  };
  const filled = fill(catalogs[language()][SENTENCES[entry.action]], values);
  const spliced = (parts: SentencePart[]): SentencePart[] => parts.flatMap((p) => (p === subject ? what : [p]));
  if (filled !== null) return spliced(filled);
  const fallback = what.length > 0 ? "activity.sentence.fallbackWith" : "activity.sentence.fallback";
  return spliced(fill(catalogs[language()][fallback], { ...values, action: auditActionLabel(entry.action), actor: isolate(entry.actor) }) ?? [auditActionLabel(entry.action)]);
}

/** The sentence of an entry as plain text. */
export function auditSentence(entry: AuditView, title: (dataset: string) => string): string {
  return auditSentenceParts(entry, title)
    .map((p) => (typeof p === "string" ? p : p.text))
    .join("");
}
