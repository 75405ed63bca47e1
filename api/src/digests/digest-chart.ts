import resvg from "@resvg/resvg-js";
import type { DigestContent } from "@chatfunnel/schemas";
import { chartLabels } from "./digest-text.js";

/**
 * The digest's chart: leads per local day of the 7 days ending with the period (a solid line) beside the
 * 7 days before (dashed), written as SVG here and rendered to PNG by resvg on the server, since a Telegram
 * chat shows an image but no page. Text is drawn with a font installed on the machine (resvg reads the
 * system's font directories: DejaVu Sans, else Liberation Sans, else any sans-serif); no font is bundled.
 * With no font at all resvg leaves the labels out and the lines still draw, so the image never fails.
 */
export const DIGEST_CHART_WIDTH = 800;
export const DIGEST_CHART_HEIGHT = 400;

const FONT_FAMILY = "DejaVu Sans, Liberation Sans, sans-serif";
const PAD = { left: 56, right: 24, top: 56, bottom: 48 };
/** Space between the axis and the first and last day, so their labels are never cut at the image's edge. */
const INSET_X = 32;
const CURRENT_COLOR = "#2563eb";
const PREVIOUS_COLOR = "#9ca3af";

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** A round step for the value axis: 1, 2 or 5 times a power of ten, about four gridlines high. */
function axisStep(max: number): number {
  if (max <= 4) return 1;
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].map((m) => m * power).find((step) => step >= raw) ?? raw);
}

export function digestChartSvg(content: DigestContent): string {
  const labels = chartLabels(content);
  const { leads, previousLeads } = content.chart;
  const count = Math.max(leads.length, previousLeads.length, 2);
  const step = axisStep(Math.max(1, ...leads, ...previousLeads));
  const top = Math.max(step, Math.ceil(Math.max(1, ...leads, ...previousLeads) / step) * step);
  const plotWidth = DIGEST_CHART_WIDTH - PAD.left - PAD.right;
  const plotHeight = DIGEST_CHART_HEIGHT - PAD.top - PAD.bottom;
  const x = (index: number) => PAD.left + INSET_X + (index * (plotWidth - 2 * INSET_X)) / (count - 1);
  const y = (value: number) => PAD.top + plotHeight - (value / top) * plotHeight;
  const path = (values: number[]) => values.map((value, index) => `${index === 0 ? "M" : "L"}${x(index).toFixed(1)},${y(value).toFixed(1)}`).join(" ");
  const grid: string[] = [];
  for (let value = 0; value <= top; value += step) {
    grid.push(`<line x1="${PAD.left}" x2="${DIGEST_CHART_WIDTH - PAD.right}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="#e5e7eb" stroke-width="1"/>`);
    grid.push(`<text x="${PAD.left - 8}" y="${(y(value) + 4).toFixed(1)}" text-anchor="end" font-size="13" fill="#6b7280">${value}</text>`);
  }
  const days = labels.days.map((day, index) => `<text x="${x(index).toFixed(1)}" y="${DIGEST_CHART_HEIGHT - PAD.bottom + 22}" text-anchor="middle" font-size="13" fill="#374151">${escapeXml(day)}</text>`);
  const dots = leads.map((value, index) => `<circle cx="${x(index).toFixed(1)}" cy="${y(value).toFixed(1)}" r="4" fill="${CURRENT_COLOR}"/>`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${DIGEST_CHART_WIDTH}" height="${DIGEST_CHART_HEIGHT}" viewBox="0 0 ${DIGEST_CHART_WIDTH} ${DIGEST_CHART_HEIGHT}" font-family="${FONT_FAMILY}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${PAD.left}" y="28" font-size="18" font-weight="bold" fill="#111827">${escapeXml(labels.title)}</text>`,
    `<line x1="${DIGEST_CHART_WIDTH - 380}" x2="${DIGEST_CHART_WIDTH - 356}" y1="24" y2="24" stroke="${CURRENT_COLOR}" stroke-width="3"/>`,
    `<text x="${DIGEST_CHART_WIDTH - 350}" y="29" font-size="13" fill="#374151">${escapeXml(labels.current)}</text>`,
    `<line x1="${DIGEST_CHART_WIDTH - 200}" x2="${DIGEST_CHART_WIDTH - 176}" y1="24" y2="24" stroke="${PREVIOUS_COLOR}" stroke-width="3" stroke-dasharray="6 4"/>`,
    `<text x="${DIGEST_CHART_WIDTH - 170}" y="29" font-size="13" fill="#374151">${escapeXml(labels.previous)}</text>`,
    ...grid,
    ...days,
    previousLeads.length > 0 ? `<path d="${path(previousLeads)}" fill="none" stroke="${PREVIOUS_COLOR}" stroke-width="2.5" stroke-dasharray="6 4"/>` : "",
    leads.length > 0 ? `<path d="${path(leads)}" fill="none" stroke="${CURRENT_COLOR}" stroke-width="3"/>` : "",
    ...dots,
    `</svg>`,
  ].join("\n");
}

export interface DigestChart {
  png: Uint8Array;
  width: number;
  height: number;
}

export async function renderDigestChart(content: DigestContent): Promise<DigestChart> {
  // Off the event loop: rendering takes a few tens of milliseconds.
  const image = await resvg.renderAsync(digestChartSvg(content), {
    fitTo: { mode: "original" },
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  });
  return { png: new Uint8Array(image.asPng()), width: image.width, height: image.height };
}
