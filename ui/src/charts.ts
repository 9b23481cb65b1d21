// Hand-made SVG charts: horizontal bars (issues by code) and a line with dots
// (row counts over periods). Colours come from CSS classes, so both themes apply.
import { s } from "./dom";

export interface Datum {
  label: string;
  value: number;
  className?: string;
}

/** A "nice" upper bound for an axis: 1, 2, 2.5 or 5 times a power of ten, >= max. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= max) return step * power;
  }
  return 10 * power;
}

/** Length in pixels of a value on an axis from 0 to `max` that is `length` long. */
export function scale(value: number, max: number, length: number): number {
  if (max <= 0 || !Number.isFinite(value)) return 0;
  return Math.max(0, Math.min(length, (value / max) * length));
}

/** Evenly spaced tick values from 0 to max (inclusive). */
export function ticks(max: number, count = 4): number[] {
  const out: number[] = [];
  for (let i = 0; i <= count; i += 1) out.push((max * i) / count);
  return out;
}

export interface BarOptions {
  width?: number;
  barHeight?: number;
  labelWidth?: number;
  title: string;
  format?: (value: number) => string;
  rtl?: boolean;
}

/** Horizontal bar chart, one bar per datum. */
export function barChart(data: readonly Datum[], options: BarOptions): SVGSVGElement {
  const width = options.width ?? 420;
  const barHeight = options.barHeight ?? 22;
  const labelWidth = options.labelWidth ?? 140;
  const valueWidth = 56;
  const gap = 6;
  const plot = width - labelWidth - valueWidth;
  const height = Math.max(1, data.length) * (barHeight + gap) + gap;
  const max = niceMax(Math.max(0, ...data.map((d) => d.value)));
  const format = options.format ?? String;
  const svg = s("svg", {
    // Geometric anchors: an RTL page would otherwise flip `start`/`end` and push
    // the labels out of the picture. Hebrew text still reads right to left.
    direction: "ltr",
    class: "chart bar-chart",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": options.title,
  });
  svg.append(s("title", null, options.title));
  data.forEach((d, i) => {
    const y = gap + i * (barHeight + gap);
    const length = scale(d.value, max, plot);
    const labelX = options.rtl ? width : 0;
    const barX = options.rtl ? width - labelWidth - length : labelWidth;
    const valueX = options.rtl ? width - labelWidth - length - 6 : labelWidth + length + 6;
    const group = s("g", { class: "bar" });
    group.append(
      s("title", null, `${d.label}: ${format(d.value)}`),
      s(
        "text",
        { x: labelX, y: y + barHeight / 2, class: "chart-label", "dominant-baseline": "middle", "text-anchor": "start" },
        d.label,
      ),
      s("rect", { x: barX, y, width: Math.max(length, 1), height: barHeight, rx: 3, class: `chart-bar ${d.className ?? ""}`.trim() }),
      s(
        "text",
        { x: valueX, y: y + barHeight / 2, class: "chart-value", "dominant-baseline": "middle", "text-anchor": options.rtl ? "end" : "start" },
        format(d.value),
      ),
    );
    svg.append(group);
  });
  if (options.rtl) {
    // labels right-aligned at the right edge
    svg.querySelectorAll("text.chart-label").forEach((el) => el.setAttribute("text-anchor", "end"));
  }
  return svg;
}

export interface LineOptions {
  width?: number;
  height?: number;
  title: string;
  format?: (value: number) => string;
  highlight?: string;
}

/** Points of a line chart in plot coordinates: x evenly spaced, y scaled from the bottom. */
export function linePoints(
  values: readonly number[],
  width: number,
  height: number,
  max: number,
): { x: number; y: number }[] {
  const n = values.length;
  return values.map((v, i) => ({
    x: n <= 1 ? width / 2 : (i * width) / (n - 1),
    y: height - scale(v, max, height),
  }));
}

/** Line-and-dots chart over ordered labels (periods). */
export function lineChart(data: readonly Datum[], options: LineOptions): SVGSVGElement {
  const width = options.width ?? 520;
  const height = options.height ?? 180;
  const padLeft = 56;
  const padRight = 16;
  const padTop = 12;
  const padBottom = 28;
  const plotW = width - padLeft - padRight;
  const plotH = height - padTop - padBottom;
  const format = options.format ?? String;
  const max = niceMax(Math.max(0, ...data.map((d) => d.value)));
  const svg = s("svg", {
    class: "chart line-chart",
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": options.title,
    direction: "ltr",
  });
  svg.append(s("title", null, options.title));
  for (const tick of ticks(max)) {
    const y = padTop + plotH - scale(tick, max, plotH);
    svg.append(
      s("line", { x1: padLeft, x2: width - padRight, y1: y, y2: y, class: "chart-grid" }),
      s("text", { x: padLeft - 6, y, class: "chart-axis", "text-anchor": "end", "dominant-baseline": "middle" }, format(tick)),
    );
  }
  const points = linePoints(
    data.map((d) => d.value),
    plotW,
    plotH,
    max,
  ).map((p) => ({ x: p.x + padLeft, y: p.y + padTop }));
  if (points.length > 1) {
    svg.append(s("polyline", { points: points.map((p) => `${p.x},${p.y}`).join(" "), class: "chart-line" }));
  }
  const labelEvery = Math.max(1, Math.ceil(data.length / 8));
  data.forEach((d, i) => {
    const p = points[i];
    if (!p) return;
    const dot = s("circle", {
      cx: p.x,
      cy: p.y,
      r: d.label === options.highlight ? 5 : 3.5,
      class: d.label === options.highlight ? "chart-dot highlight" : "chart-dot",
    });
    dot.append(s("title", null, `${d.label}: ${format(d.value)}`));
    svg.append(dot);
    if (i % labelEvery === 0 || i === data.length - 1) {
      svg.append(s("text", { x: p.x, y: height - 8, class: "chart-axis", "text-anchor": "middle" }, d.label));
    }
  });
  return svg;
}
