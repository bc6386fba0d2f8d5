/**
 * The one error the plan compiler throws: a user mistake in something the spec's validation did
 * not see (a `--date`, a location override, a duration handed to the API directly). Bugs stay
 * plain `Error`s, so a caller can tell "tell the user" from "report an internal error".
 */

/** Every kind of plan mistake, by stable code. The codes are part of the public contract. */
export const PLAN_ERROR_CODES = {
  BAD_DATE: 'a run date that is not a real calendar day written YYYY-MM-DD',
  BAD_TIMEZONE: 'a time zone that is not a known IANA zone',
  BAD_DURATION: 'a duration that is not digits followed by ms, s, m, h or d (e.g. 1h30m)',
  BAD_LOCATION: 'a location template with broken braces, an unknown placeholder or a bad date format',
} as const;

/** A stable code naming one kind of plan mistake. */
export type PlanErrorCode = keyof typeof PLAN_ERROR_CODES;

/** A user mistake found while compiling a plan, with a stable code and a message that says what to do. */
export class PlanError extends Error {
  override name = 'PlanError';
  constructor(
    /** Stable machine-readable reason. */
    readonly code: PlanErrorCode,
    message: string,
  ) {
    super(message);
  }
}
