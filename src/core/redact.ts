/**
 * Secrets must never reach logs, errors or protocol messages. A Redactor remembers every secret
 * the run learns (the token, each signed download URL) and scrubs them from any text.
 */
export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remember a secret; empty and very short strings are ignored (they would redact noise). */
  add(secret: string | undefined): void {
    if (secret !== undefined && secret.length >= 6) this.secrets.add(secret);
  }

  /** Remember a URL's query string and fragment, which carry signatures on presigned URLs. */
  addUrl(url: string): void {
    this.add(url);
    const q = url.indexOf("?");
    if (q >= 0) this.add(url.slice(q + 1));
  }

  /** The text with every known secret and every URL's query string and fragment replaced. */
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join("***");
    return redactUrlQueries(out);
  }
}

/**
 * Replace the query string of every http(s) URL in a text with `?***`, and its fragment with `#***`:
 * signed URLs carry their signature in the query, and a fragment can hold a token as well.
 */
export function redactUrlQueries(text: string): string {
  // Punctuation that ends a sentence after the URL is the message's, not the URL's: kept.
  const masked = (part: string | undefined, mark: string): string => (part === undefined ? "" : `${mark}***${/[.,;:!)\]]+$/.exec(part)?.[0] ?? ""}`);
  return text.replace(/(https?:\/\/[^\s"'?#]+)(\?[^\s"'#]*)?(#[^\s"']*)?/g, (_all, base: string, query?: string, fragment?: string) =>
    `${base}${masked(fragment === undefined ? query : query?.replace(/[.,;:!)\]]+$/, ""), "?")}${masked(fragment, "#")}`,
  );
}

/** A URL fit for a log line: origin and path, never the query. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}${u.search ? "?***" : ""}`;
  } catch {
    return "<invalid url>";
  }
}
