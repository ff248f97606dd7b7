// Text that looks like work and tests a parser: word salad plus deterministic placement of emoji
// (ZWJ and astral), CJK, right-to-left scripts, combining marks, control whitespace, quotes and
// backslashes, and U+2028 / U+2029.
import type { Rng } from "./prng.js";

const WORDS = [
  "review", "draft", "launch", "budget", "vendor", "contract", "design", "roadmap", "sprint",
  "customer", "feedback", "invoice", "onboarding", "migration", "report", "metrics", "campaign",
  "release", "hiring", "interview", "security", "audit", "backlog", "priority", "deadline",
  "proposal", "meeting", "agenda", "follow", "up", "with", "the", "team", "on", "for", "and",
  "before", "after", "update", "check", "prepare", "finalise", "send", "schedule", "legal",
  "pricing", "partner", "mobile", "web", "API", "dashboard", "quarterly", "weekly", "plan",
  "test", "fix", "bug", "in", "export", "import", "sync", "data", "warehouse", "Q3", "Q4",
] as const;

const VERBS = [
  "Review", "Draft", "Prepare", "Ship", "Fix", "Plan", "Schedule", "Update", "Test", "Finalise",
  "Audit", "Migrate", "Design", "Send", "Clean up", "Investigate", "Document", "Approve",
] as const;

/** Snippets a name may carry (single line). */
export const NAME_SPECIALS = [
  "🚀 launch",
  "👩‍💻 pairing",
  "日本語タスク",
  "中文任务",
  "مهمة عاجلة",
  "משימה חדשה",
  "Café crème",
  "\"quoted\" name",
  "back\\slash",
  "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛",
] as const;

/** Snippets every note rotates through, one per task, so any 11 consecutive tasks hold them all. */
export const NOTE_SPECIALS = [
  "Emoji: 🎉🚀✅ and skin tones 👍🏽👋🏿",
  "ZWJ: family 👨‍👩‍👧‍👦, rainbow flag 🏳️‍🌈, technologist 🧑🏾‍💻, flag 🇯🇵",
  "Astral: 𝄞 musical, 𝔸𝕤𝕒𝕟𝕒 math, 😀 face, 𠜎 CJK ext B",
  "CJK: 日本語のテキストです。中文测试内容。한국어 텍스트입니다。",
  "RTL: مرحبا بالعالم — שלום עולם — mixed عربي with English",
  "Combining: Cafe\u0301, Zoe\u0308, n\u0303, a\u0300\u0301\u0302\u0303, Z\u0335\u0321a\u0336l\u0337g\u0338o",
  "Newlines:\nline two\nline three\r\nCRLF line",
  "Tabs:\tcolumn one\tcolumn two\t\tdouble",
  "Quotes: \"double\", 'single', `back`, backslash \\ and \\n literal and \\u0041 literal",
  "Separators: line\u2028separator and paragraph\u2029separator inside",
  "HTML-ish: <b>bold</b> & <script>alert(1)</script> &amp; entities",
] as const;

/** A task or message name: a verb and a few words, sometimes with a special snippet. */
export function taskName(rng: Rng, index: number): string {
  let name = rng.pick(VERBS) + " " + rng.pick(WORDS) + " " + rng.pick(WORDS);
  if (rng.chance(0.5)) name += " " + rng.pick(WORDS);
  if (index % 7 === 3) name += " " + NAME_SPECIALS[(index >>> 3) % NAME_SPECIALS.length];
  return name;
}

/** A sentence of plain words. */
export function sentence(rng: Rng): string {
  const n = rng.range(5, 14);
  let s = rng.pick(VERBS);
  for (let i = 1; i < n; i++) s += " " + rng.pick(WORDS);
  return s + ".";
}

/** Notes: a few sentences on lines, with the special snippet for this index. */
export function notes(rng: Rng, index: number): string {
  if (index % NOTE_SPECIALS.length !== 0 && rng.chance(0.15)) return "";
  const lines = rng.range(1, 4);
  let out = sentence(rng);
  for (let i = 1; i < lines; i++) out += (i === 1 ? "\n" : " ") + sentence(rng);
  return out + "\n" + NOTE_SPECIALS[index % NOTE_SPECIALS.length];
}

/** Notes of more than 100 KB (UTF-8), still with every special snippet. */
export function largeNotes(rng: Rng, index: number): string {
  const parts: string[] = [`Large note for item ${index}.`];
  let size = 0;
  let k = 0;
  while (size < 110_000) {
    const line = `${k}. ${sentence(rng)} ${NOTE_SPECIALS[k % NOTE_SPECIALS.length]}`;
    parts.push(line);
    size += line.length;
    k++;
  }
  return parts.join("\n");
}

/** A short comment for a story. */
export function comment(rng: Rng, index: number): string {
  const text = sentence(rng);
  return index % 5 === 0 ? text + " " + NOTE_SPECIALS[(index >>> 2) % NOTE_SPECIALS.length] : text;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" };

/** Text escaped for Asana's rich-text HTML. */
export function escapeHtml(text: string): string {
  return /[&<>"]/.test(text) ? text.replace(/[&<>"]/g, (c) => HTML_ESCAPES[c] ?? c) : text;
}

/** Asana's `<body>...</body>` rich text for plain notes. */
export function htmlBody(text: string): string {
  return "<body>" + escapeHtml(text) + "</body>";
}
