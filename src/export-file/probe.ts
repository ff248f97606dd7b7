import { request, type Dispatcher } from "undici";

/**
 * Whether a presigned export URL still serves its file: false only on 404 / 410 (Asana keeps export
 * files 30 days). Any other answer or a network error says true and leaves the verdict to the
 * download, which retries. Asks for one byte; never sends a credential.
 */
export async function exportFileAvailable(url: string, dispatcher: Dispatcher, timeoutMs: number): Promise<boolean> {
  try {
    const res = await request(url, { dispatcher, headers: { range: "bytes=0-0" }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await res.body.dump();
    return res.statusCode !== 404 && res.statusCode !== 410;
  } catch {
    return true;
  }
}
