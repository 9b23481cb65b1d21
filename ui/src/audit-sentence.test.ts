// The activity sentences: every audit action in both languages, from typed
// fields, numbers in the locale's format, titles in the user's language.
import { afterEach, describe, expect, it } from "vitest";
import { auditSentence, auditSentenceParts } from "./audit-sentence";
import type { AuditView } from "./backend";
import type { AuditAction } from "./bindings/AuditAction";
import type { AuditFacts } from "./bindings/AuditFacts";
import { setLanguage } from "./i18n";
import { DatasetTitles } from "./titles";

const NO_FACTS: AuditFacts = { file: null, rows: null, version: null, fromVersion: null, toVersion: null, login: null, role: null };

const titles = new DatasetTitles([{ dataset: "welfare_patients", title: "Welfare patients", titleHe: "מטופלי רווחה" }]);
const title = (code: string): string => titles.title(code);

function entry(action: AuditAction, fields: Partial<AuditView>, facts: Partial<AuditFacts> = {}): AuditView {
  return { id: 1, at: "2026-11-30T10:00:00Z", actor: "dana", action, dataset: null, period: null, requestId: null, versionId: null, facts: { ...NO_FACTS, ...facts }, detail: {}, ...fields };
}

const request = { dataset: "welfare_patients", period: "2026-11", requestId: 12 };

/** One entry per action as the database writes it, and its sentence in each
 * language (a record over the generated union: a new action fails `tsc`
 * until it has its case here). */
const CASES: Record<AuditAction, { entry: AuditView; en: string; he: string }> = {
  submit: {
    entry: entry("submit", request, { file: "welfare_2026-11.csv", rows: 1200 }),
    en: "dana submitted request 12: Welfare patients 2026-11, 1,200 rows",
    he: "בקשה 12 הוגשה על ידי dana: מטופלי רווחה 2026-11, 1,200 שורות",
  },
  submit_failed: {
    entry: entry("submit_failed", request),
    en: "A submit by dana failed (request 12): Welfare patients 2026-11",
    he: "הגשה של dana נכשלה (בקשה 12): מטופלי רווחה 2026-11",
  },
  approve: {
    entry: entry("approve", { ...request, versionId: 40 }, { version: 3, rows: 1200 }),
    en: "dana approved request 12: Welfare patients 2026-11, 1,200 rows, now version 3",
    he: "בקשה 12 אושרה על ידי dana: מטופלי רווחה 2026-11, 1,200 שורות, כעת גרסה 3",
  },
  load_failed: {
    entry: entry("load_failed", request),
    en: "dana approved request 12, but loading it failed: Welfare patients 2026-11",
    he: "בקשה 12 אושרה על ידי dana, אך הטעינה נכשלה: מטופלי רווחה 2026-11",
  },
  reject: {
    entry: entry("reject", request),
    en: "dana rejected request 12: Welfare patients 2026-11",
    he: "בקשה 12 נדחתה על ידי dana: מטופלי רווחה 2026-11",
  },
  rollback: {
    entry: entry("rollback", { ...request, requestId: 9 }, { fromVersion: 3, toVersion: 2 }),
    en: "dana rolled Welfare patients 2026-11 back from version 3 to version 2",
    he: "גרסה 2 של מטופלי רווחה 2026-11 הופעלה מחדש במקום גרסה 3 על ידי dana",
  },
  contract_apply: {
    entry: entry("contract_apply", { dataset: "welfare_patients" }),
    en: "dana applied the contract of Welfare patients",
    he: "החוזה של מטופלי רווחה הוחל על ידי dana",
  },
  login_add: {
    entry: entry("login_add", {}, { login: "eli", role: "clerk" }),
    en: "dana added the login eli as Clerk",
    he: "המשתמש eli נוסף בתפקיד פקיד/ה על ידי dana",
  },
  login_disable: {
    entry: entry("login_disable", {}, { login: "eli" }),
    en: "dana disabled the login eli",
    he: "המשתמש eli הושבת על ידי dana",
  },
  login_enable: {
    entry: entry("login_enable", {}, { login: "eli" }),
    en: "dana enabled the login eli again",
    he: "המשתמש eli הופעל מחדש על ידי dana",
  },
  login_role: {
    entry: entry("login_role", {}, { login: "eli", role: "supervisor" }),
    en: "dana changed the role of eli to Supervisor",
    he: "התפקיד של eli שונה למפקח/ת על ידי dana",
  },
  login_password: {
    entry: entry("login_password", {}, { login: "eli" }),
    en: "dana set a new password for eli",
    he: "הסיסמה של eli הוחלפה על ידי dana",
  },
  column_alias: {
    entry: entry("column_alias", { dataset: "welfare_patients" }),
    en: "dana remembered a column mapping for Welfare patients",
    he: "מיפוי עמודה עבור מטופלי רווחה נשמר על ידי dana",
  },
};

/** The sentence without the Unicode isolates around quoted values. */
const plain = (text: string): string => text.replace(/[\u2068\u2069]/g, "");

describe("audit sentences", () => {
  afterEach(() => setLanguage("he"));

  for (const [action, { entry: e, en, he }] of Object.entries(CASES)) {
    it(`${action} in English`, () => {
      setLanguage("en");
      expect(plain(auditSentence(e, title))).toBe(en);
    });
    it(`${action} in Hebrew`, () => {
      setLanguage("he");
      expect(plain(auditSentence(e, title))).toBe(he);
    });
  }

  it("quotes names and titles in isolates, so Hebrew text keeps their direction", () => {
    setLanguage("he");
    const sentence = auditSentence(CASES.submit.entry, title);
    expect(sentence).toContain("\u2068dana\u2069");
    expect(sentence).toContain("\u2068מטופלי רווחה\u2069");
  });

  it("keeps the dataset's code beside its title (for the hover)", () => {
    setLanguage("en");
    const parts = auditSentenceParts(CASES.approve.entry, title);
    expect(parts).toContainEqual({ text: "\u2068Welfare patients\u2069", dataset: "welfare_patients" });
  });

  it("says one row, and shows the code of a dataset without a contract", () => {
    setLanguage("en");
    const one = entry("submit", { ...request, dataset: "meser" }, { rows: 1 });
    expect(plain(auditSentence(one, title))).toBe("dana submitted request 12: meser 2026-11, 1 row");
    setLanguage("he");
    expect(plain(auditSentence(one, title))).toBe("בקשה 12 הוגשה על ידי dana: meser 2026-11, 1 שורה");
  });

  it("falls back to the action's name when the entry lacks what its sentence needs", () => {
    setLanguage("en");
    expect(plain(auditSentence(entry("approve", { dataset: "welfare_patients", period: "2026-11" }), title))).toBe("dana: Approved — Welfare patients 2026-11");
    expect(plain(auditSentence(entry("login_add", {}), title))).toBe("dana: Login added");
    setLanguage("he");
    expect(auditSentence(entry("login_role", {}), title)).not.toMatch(/[{}]/);
  });
});
