// Text that looks like work and tests a parser: word salad plus deterministic placement of emoji
// (ZWJ and astral), CJK, right-to-left scripts, combining marks, control whitespace, quotes and
// backslashes, and U+2028 / U+2029.
import { Rng } from "./prng.js";

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

/** Snippets notes rotate through, one per slot (slot modulo their count). */
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

function makeSentence(rng: Rng): string {
  const n = rng.range(5, 14);
  let s = rng.pick(VERBS);
  for (let i = 1; i < n; i++) s += " " + rng.pick(WORDS);
  return s + ".";
}

const POOL_SIZE = 4096;
let pool: string[] | undefined;

/** A sentence of plain words, drawn from a fixed pool built once (string building was a hot spot). */
export function sentence(rng: Rng): string {
  if (pool === undefined) {
    const source = new Rng(0x5eed);
    pool = Array.from({ length: POOL_SIZE }, () => makeSentence(source));
  }
  return pool[rng.int(POOL_SIZE)] as string;
}

/** Text with its rich-text form, built side by side so the HTML never needs a scan. */
export interface RichText {
  plain: string;
  /** The escaped text, without the `<body>` wrapper. */
  escaped: string;
}

let specialsEscaped: readonly string[] | undefined;

function escapedSpecial(k: number): string {
  specialsEscaped ??= NOTE_SPECIALS.map((t) => escapeHtml(t));
  return specialsEscaped[k % NOTE_SPECIALS.length] ?? "";
}

/** Notes: a few sentences on lines, with the special snippet for this index. */
export function notes(rng: Rng, index: number): RichText {
  // Every snippet appears in slots 0-10 and again in 11-21; later notes may be empty.
  if (index >= 2 * NOTE_SPECIALS.length && rng.chance(0.15)) return { plain: "", escaped: "" };
  const lines = rng.range(1, 4);
  // Pool sentences hold no character that HTML escapes, so they are shared by both forms.
  let out = sentence(rng);
  for (let i = 1; i < lines; i++) out += (i === 1 ? "\n" : " ") + sentence(rng);
  out += "\n";
  return { plain: out + NOTE_SPECIALS[index % NOTE_SPECIALS.length], escaped: out + escapedSpecial(index) };
}

let largeBlock: RichText | undefined;

/** About 10 KB of numbered lines with every special snippet, built once. */
function block(): RichText {
  if (largeBlock !== undefined) return largeBlock;
  const source = new Rng(0xb10c);
  const plain: string[] = [];
  const escaped: string[] = [];
  for (let k = 0, size = 0; size < 10_000; k++) {
    const line = `${k}. ${sentence(source)} `;
    plain.push(line + NOTE_SPECIALS[k % NOTE_SPECIALS.length]);
    escaped.push(line + escapedSpecial(k));
    size += line.length + 40;
  }
  largeBlock = { plain: plain.join("\n") + "\n", escaped: escaped.join("\n") + "\n" };
  return largeBlock;
}

/** Notes of more than 100 KB (UTF-8), still with every special snippet. */
export function largeNotes(rng: Rng, index: number): RichText {
  const head = `Large note for item ${index}: ${sentence(rng)}\n`;
  const tail = sentence(rng);
  const b = block();
  return { plain: head + b.plain.repeat(11) + tail, escaped: head + b.escaped.repeat(11) + tail };
}

/** Rich text with plain text appended (escaped on the way). */
export function appendText(text: RichText, suffix: string | undefined): RichText {
  return suffix === undefined ? text : { plain: text.plain + suffix, escaped: text.escaped + escapeHtml(suffix) };
}

/** A short comment for a story. */
export function comment(rng: Rng, index: number): string {
  const text = sentence(rng);
  return index % 5 === 0 ? text + " " + NOTE_SPECIALS[(index >>> 2) % NOTE_SPECIALS.length] : text;
}

/** Text escaped for Asana's rich-text HTML (a hand loop: regular expressions were a hot spot). */
export function escapeHtml(text: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 62 || (c !== 38 && c !== 60 && c !== 62 && c !== 34)) continue;
    out += text.slice(from, i) + (c === 38 ? "&amp;" : c === 60 ? "&lt;" : c === 62 ? "&gt;" : "&quot;");
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Asana's `<body>...</body>` rich text for plain notes. */
export function htmlBody(text: string): string {
  return "<body>" + escapeHtml(text) + "</body>";
}

/** Asana's `<body>...</body>` rich text of already escaped text. */
export function htmlWrap(escaped: string): string {
  return "<body>" + escaped + "</body>";
}
