// Asana announces API changes in `Asana-Change` response headers (one per change, possibly repeated
// or folded into one comma-separated value by a proxy): `name=string_ids;info=https://...;affected=true`.
// Asana's client libraries log each; so does the connector, once per change and run.

/** One announced change. */
export interface AsanaChange {
  name: string;
  /** Asana's page about it, when given. */
  info: string | undefined;
  /** Asana says this request is affected; otherwise it only may be (Asana never says `false`). */
  affected: boolean;
}

/** The changes in an `Asana-Change` header value (or the values of a repeated one); malformed entries are skipped. */
export function parseAsanaChange(value: string | readonly string[] | undefined): AsanaChange[] {
  if (value === undefined) return [];
  const entries = (typeof value === "string" ? [value] : value).flatMap((v) => v.split(/,(?=\s*name=)/));
  const changes: AsanaChange[] = [];
  for (const entry of entries) {
    const fields = new Map<string, string>();
    for (const part of entry.split(";")) {
      const eq = part.indexOf("=");
      if (eq > 0) fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
    }
    const name = fields.get("name");
    // A name is a short identifier; anything else is not a change announcement (and is not echoed).
    if (name === undefined || !/^[A-Za-z0-9_.-]{1,100}$/.test(name)) continue;
    const info = fields.get("info");
    changes.push({ name, info: info !== undefined && /^https?:\/\/\S{1,300}$/.test(info) ? info : undefined, affected: fields.get("affected") === "true" });
  }
  return changes;
}

/** The log line for a change, saying what it means for this connector. */
export function describeAsanaChange(change: AsanaChange, request: string): string {
  const where = change.info === undefined ? "" : ` (${change.info})`;
  const scope = change.affected ? `says requests like ${request} are affected by it` : `says requests like ${request} may be affected`;
  return (
    `Asana announces the API change '${change.name}'${where} and ${scope}. The connector keeps working until ` +
    `Asana makes the change the default; look for a newer source-asana-export before then.`
  );
}
