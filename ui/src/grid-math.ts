// The virtual grid's arithmetic: which rows are visible, which pages to fetch.

/** Rows [first, last) to render for a scroll position, with a buffer either side. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  total: number,
  buffer: number,
): { first: number; last: number } {
  if (total <= 0 || rowHeight <= 0) return { first: 0, last: 0 };
  const top = Math.max(0, Math.floor(scrollTop / rowHeight));
  const visible = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  const first = Math.max(0, Math.min(total - 1, top) - buffer);
  const last = Math.min(total, top + visible + buffer);
  return { first, last: Math.max(first, last) };
}

/** Page numbers (of `pageSize` rows) covering rows [first, last). */
export function pagesFor(first: number, last: number, pageSize: number): number[] {
  if (last <= first || pageSize <= 0) return [];
  const pages: number[] = [];
  for (let p = Math.floor(first / pageSize); p <= Math.floor((last - 1) / pageSize); p += 1) pages.push(p);
  return pages;
}

/** Scroll offset that brings row `position` into view (centred when it is off screen). */
export function scrollToShow(position: number, scrollTop: number, viewportHeight: number, rowHeight: number): number {
  const top = position * rowHeight;
  const bottom = top + rowHeight;
  if (top >= scrollTop && bottom <= scrollTop + viewportHeight) return scrollTop;
  return Math.max(0, top - Math.max(0, (viewportHeight - rowHeight) / 2));
}

/** Evict cached pages far from the current ones, keeping at most `keep` pages. */
export function pagesToEvict(cached: Iterable<number>, wanted: readonly number[], keep: number): number[] {
  const list = [...cached];
  if (list.length <= keep) return [];
  const centre = wanted.length ? (wanted[0]! + wanted[wanted.length - 1]!) / 2 : 0;
  return list
    .filter((p) => !wanted.includes(p))
    .sort((a, b) => Math.abs(b - centre) - Math.abs(a - centre))
    .slice(0, list.length - keep);
}

/** Column widths (px) that show each column whole: the widest of its header
 * texts and sample values as `measure` says, plus `padding`, within
 * [`min`, `max`] (a longer value is cut with an ellipsis and whole in its
 * `title`). `headers[i]` are the texts of column i's head, `rows` the sample. */
export function columnWidths(
  headers: readonly (readonly string[])[],
  rows: readonly (readonly string[])[],
  measure: (text: string, head: boolean) => number,
  { min, max, padding }: { min: number; max: number; padding: number },
): number[] {
  return headers.map((texts, index) => {
    let widest = 0;
    for (const text of texts) widest = Math.max(widest, measure(text, true));
    for (const row of rows) widest = Math.max(widest, measure(row[index] ?? "", false));
    return Math.round(Math.min(max, Math.max(min, Math.ceil(widest) + padding)));
  });
}
