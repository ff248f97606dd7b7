// Number and table formatting for the progress display and the end-of-sync summary.
import type { SyncResult } from "../sinks/standalone.js";

/** `1.2 MB`, `850 B`: decimal units, as download tools show them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit] ?? ""}`;
}

/** `12,345`. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** `1:05` or `1:02:03`. */
export function formatElapsed(seconds: number): string {
  const s = Math.floor(seconds);
  const hms = [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60];
  const parts = hms[0] === 0 ? hms.slice(1) : hms;
  return parts.map((p, i) => (i === 0 ? String(p) : String(p).padStart(2, "0"))).join(":");
}

/** The summary table: stream, rows, files, bytes, new cursor. */
export function summaryTable(result: SyncResult): string {
  const rows = [
    ["stream", "rows", "files", "bytes", "new cursor"],
    ...result.streams.map((s) => [s.stream, formatCount(s.rows), String(s.files.length), formatBytes(s.bytes), s.cursor ?? "(full refresh)"]),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const right = new Set([1, 2, 3]);
  const render = (r: string[]): string =>
    r.map((cell, i) => (right.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  const [head, ...body] = rows;
  return `${[render(head ?? []), widths.map((w) => "-".repeat(w)).join("  "), ...body.map(render)].join("\n")}\n`;
}
