// The UI's languages and themes: the closed unions the shell and i18n work
// with, read from the free-form `language` / `theme` strings of the generated
// `Settings` (unknown values fall back to the defaults).

export const LANGUAGES = ["he", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

export const THEMES = ["light", "dark", "system"] as const;
export type Theme = (typeof THEMES)[number];

/** A `Settings.language` as a UI language; Hebrew when unknown. */
export function toLanguage(value: string): Language {
  return LANGUAGES.find((language) => language === value) ?? "he";
}

/** A `Settings.theme` as a UI theme; the system's when unknown. */
export function toTheme(value: string): Theme {
  return THEMES.find((theme) => theme === value) ?? "system";
}
