// Presigned download URLs in the shape of S3's query-string auth (X-Amz-*), signed with an HMAC
// secret of the instance. A URL is valid until X-Amz-Date + X-Amz-Expires, or until revoked.
import { createHmac, timingSafeEqual } from "node:crypto";

/** The verdict on a presigned URL. */
export type UrlVerdict = "ok" | "missing" | "bad-signature" | "expired";

const REQUIRED = [
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Date",
  "X-Amz-Expires",
  "X-Amz-Security-Token",
  "X-Amz-SignedHeaders",
  "X-Amz-Signature",
];

const amzDate = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]/g, "").replace(".000", "");

const parseAmzDate = (text: string): number | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
};

/** Signs and checks presigned storage URLs. */
export class UrlSigner {
  private readonly issued = new Set<string>();
  private readonly revoked = new Set<string>();
  private sessions = 0;
  /** The secret query values (signature and session token) of every URL signed so far, for leak checks. */
  readonly secrets: string[] = [];

  constructor(
    private readonly secret: string,
    private readonly accessKey: string,
  ) {}

  private signature(path: string, date: string, expires: string, session: string): string {
    return createHmac("sha256", this.secret).update(`GET\n${path}\n${date}\n${expires}\n${session}`).digest("hex");
  }

  /** The query string that presigns `path` at time `now` for `ttlSeconds`. */
  sign(path: string, now: number, ttlSeconds: number): string {
    const date = amzDate(now);
    const expires = String(ttlSeconds);
    // A session token per URL (as S3's temporary credentials carry) makes every URL distinct, so
    // revoking the URLs issued so far never revokes one signed later within the same second.
    this.sessions += 1;
    const session = createHmac("sha256", this.secret).update(`session ${this.sessions}`).digest("base64url");
    const signature = this.signature(path, date, expires, session);
    this.issued.add(signature);
    this.secrets.push(signature, session);
    const params = new URLSearchParams({
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": `${this.accessKey}/${date.slice(0, 8)}/us-east-1/s3/aws4_request`,
      "X-Amz-Date": date,
      "X-Amz-Expires": expires,
      "X-Amz-Security-Token": session,
      "X-Amz-SignedHeaders": "host",
      "X-Amz-Signature": signature,
    });
    return params.toString();
  }

  /** Check the presigned query of a request for `path` at time `now`. */
  verify(path: string, query: URLSearchParams, now: number): UrlVerdict {
    if (REQUIRED.some((key) => !query.has(key))) return "missing";
    const date = query.get("X-Amz-Date") ?? "";
    const expires = query.get("X-Amz-Expires") ?? "";
    const given = Buffer.from(query.get("X-Amz-Signature") ?? "");
    const session = query.get("X-Amz-Security-Token") ?? "";
    const expected = Buffer.from(this.signature(path, date, expires, session));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "bad-signature";
    const signedAt = parseAmzDate(date);
    const ttl = Number(expires);
    if (signedAt === undefined || !Number.isInteger(ttl)) return "bad-signature";
    if (this.revoked.has(expected.toString()) || now >= signedAt + ttl * 1000) return "expired";
    return "ok";
  }

  /** Expire every URL handed out so far; URLs signed later stay valid. */
  revokeIssued(): void {
    for (const signature of this.issued) this.revoked.add(signature);
    this.issued.clear();
  }
}
