// Dataset titles in the user's language: the contract's `title_he` in Hebrew
// (its `title` when it has none), `title` in English, the code itself when
// the dataset has no contract here. Screens show the title and keep the code
// in a `title` attribute (on hover).
import type { Language } from "./appearance";
import type { Backend } from "./backend";
import { h } from "./dom";
import { language } from "./i18n";

/** What a title is read from (a `ContractSummary` or a calendar dataset). */
export interface TitledDataset {
  dataset: string;
  title: string;
  titleHe: string | null;
}

/** The title of one dataset in `lang`. */
export function titleIn(entry: TitledDataset, lang: Language): string {
  if (lang === "he" && entry.titleHe) return entry.titleHe;
  return entry.title || entry.dataset;
}

/** Titles by dataset code. */
export class DatasetTitles {
  private readonly byCode: Map<string, TitledDataset>;

  constructor(entries: readonly TitledDataset[]) {
    this.byCode = new Map(entries.map((e) => [e.dataset, e]));
  }

  /** The title of `code` in the current language (the code when unknown). */
  title(code: string, lang: Language = language()): string {
    const entry = this.byCode.get(code);
    return entry ? titleIn(entry, lang) : code;
  }

  /** Every known dataset as (code, title in the current language), by title. */
  options(lang: Language = language()): [string, string][] {
    return [...this.byCode.keys()]
      .map((code): [string, string] => [code, this.title(code, lang)])
      .sort((a, b) => a[1].localeCompare(b[1], lang));
  }

  /** A span with the title, the code on hover. */
  label(code: string): HTMLElement {
    return h("span", { class: "dataset-title", title: code, "data-dataset": code }, this.title(code));
  }

  /** The contracts' titles; none (codes shown) when they cannot be read. */
  static async load(backend: Backend): Promise<DatasetTitles> {
    try {
      return new DatasetTitles(await backend.listContracts());
    } catch {
      return new DatasetTitles([]);
    }
  }
}
