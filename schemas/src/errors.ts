import { z } from "zod";

export const ErrorCodeSchema = z.enum([
  "bad_request",
  "invalid_parameter",
  "unauthorized",
  "forbidden",
  "not_found",
  /** 409: the resource exists already (a user with this email). */
  "conflict",
  /** 410: it existed and is no more (an expired share link). */
  "gone",
  "payload_too_large",
  "rate_limited",
  "unavailable",
  "timeout",
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;

export const ApiErrorSchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ApiError = z.infer<typeof ApiErrorSchema>;
