// Small DOM helpers: elements from a tag, attributes and children. Text goes in
// as text nodes, never as HTML; no `style` attributes (the CSP forbids inline
// styles), sizes are set through `element.style` from code instead.
export type Child = Node | string | number | null | undefined | false;
export type AttrValue = string | number | boolean | null | undefined | ((event: Event) => void);
export type Attrs = Record<string, AttrValue>;

function applyAttrs(el: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return;
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "style") throw new Error("inline style attributes are not allowed (CSP)");
    if (typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "class") {
      el.setAttribute("class", String(value));
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
}

function appendChildren(el: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "number" ? String(child) : child);
  }
}

/** An HTML element. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  appendChildren(el, children);
  return el;
}

export const SVG_NS = "http://www.w3.org/2000/svg";

/** An SVG element. */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  appendChildren(el, children);
  return el;
}

/** Replace an element's children. */
export function mount(target: Element, ...children: Child[]): void {
  target.replaceChildren();
  appendChildren(target, children);
}

/** A labelled select; options are [value, label] pairs. */
export function select(
  attrs: Attrs,
  options: readonly (readonly [string, string])[],
  value: string | null,
): HTMLSelectElement {
  const el = h("select", attrs);
  for (const [v, label] of options) {
    const option = h("option", { value: v }, label);
    if (v === (value ?? "")) option.selected = true;
    el.append(option);
  }
  el.value = value ?? "";
  return el;
}
