// Secrets never reach a log line: known secrets, every URL's query and fragment.
import { describe, expect, it } from "vitest";
import { Redactor, redactUrlQueries, safeUrl } from "../../src/core/redact.js";

describe("redaction", () => {
  it("masks the query and the fragment of every URL, keeping the sentence's punctuation", () => {
    expect(redactUrlQueries("from https://s3.example/x.gz?X-Amz-Signature=abc, then")).toBe("from https://s3.example/x.gz?***, then");
    expect(redactUrlQueries("base http://127.0.0.1:1/api#access_token=T0k3n.")).toBe("base http://127.0.0.1:1/api#***.");
    expect(redactUrlQueries("(https://h/p?a=1#b=2)")).toBe("(https://h/p?***#***)");
    expect(redactUrlQueries("no query https://h/p, here")).toBe("no query https://h/p, here");
  });

  it("redacts every known secret, and a URL for logs has neither query nor fragment", () => {
    const r = new Redactor();
    r.add("2/123/456:secret-token");
    expect(r.redact("token 2/123/456:secret-token here")).toBe("token *** here");
    expect(safeUrl("https://h/p?sig=1#frag")).toBe("https://h/p?***");
  });
});
