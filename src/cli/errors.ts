/** A problem with what the user asked for: exit 2 with this message, nothing started. */
export class UsageError extends Error {}

export const EXIT = { pass: 0, fail: 1, usage: 2, internal: 3, interrupted: 130 } as const;
