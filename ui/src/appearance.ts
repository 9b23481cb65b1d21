// The UI's languages and themes: the closed sets of the generated `Settings`
// (`Language`, `Theme`), each with its label in a record over the set, so a
// new member fails `tsc` until it has one. `toLanguage`/`toTheme` read a
// form's select value (a string) back as a member.
import type { Language } from "./bindings/Language";
import type { Theme } from "./bindings/Theme";
import type { MessageKey } from "./i18n";

export type { Language, Theme };

/** Each language in its own name (the same in every catalog). */
export const LANGUAGE_NAMES: Record<Language, string> = { he: "עברית", en: "English" };

/** The catalog key of each theme's label. */
export const THEME_LABELS: Record<Theme, MessageKey> = {
  system: "settings.themeSystem",
  light: "settings.themeLight",
  dark: "settings.themeDark",
};

export const LANGUAGES = Object.keys(LANGUAGE_NAMES) as Language[];
export const THEMES = Object.keys(THEME_LABELS) as Theme[];

/** A select's value as a language; Hebrew when it is not one. */
export function toLanguage(value: string): Language {
  return LANGUAGES.find((language) => language === value) ?? "he";
}

/** A select's value as a theme; the system's when it is not one. */
export function toTheme(value: string): Theme {
  return THEMES.find((theme) => theme === value) ?? "system";
}
