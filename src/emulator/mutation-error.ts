// The one error a mutation throws: what is wrong, and a stable reason the control endpoint maps to an
// HTTP status (invalid input 400, unknown object 404, a change that does not apply 409).

/** Why a mutation could not be applied. */
export type MutationErrorReason = "invalid" | "unknown-object" | "not-applicable";

/** A mutation the workspace refused; nothing was changed. */
export class MutationError extends Error {
  constructor(
    readonly reason: MutationErrorReason,
    message: string,
  ) {
    super(message);
    this.name = "MutationError";
  }
}
