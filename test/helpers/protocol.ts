// Validates printed messages against the official Airbyte protocol schema (draft-07).
import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

let validator: ValidateFunction | undefined;

/** The AirbyteMessage validator, compiled once. */
export function airbyteMessageValidator(): ValidateFunction {
  if (validator) return validator;
  const protocol = parse(readFileSync(new URL("../fixtures/airbyte_protocol.yaml", import.meta.url), "utf8")) as Record<string, unknown>;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...protocol, $id: "airbyte_protocol" }, "airbyte_protocol");
  validator = ajv.getSchema("airbyte_protocol#/definitions/AirbyteMessage");
  if (!validator) throw new Error("AirbyteMessage not found in the protocol schema");
  return validator;
}

/** Throw, naming the message and the problem, unless every message is a valid AirbyteMessage. */
export function assertValidAirbyteMessages(messages: readonly unknown[]): void {
  const validate = airbyteMessageValidator();
  for (const [i, m] of messages.entries()) {
    if (!validate(m)) {
      throw new Error(`message ${i} is not a valid AirbyteMessage: ${JSON.stringify(validate.errors)}\n${JSON.stringify(m).slice(0, 500)}`);
    }
  }
}
