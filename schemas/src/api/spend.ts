import { z } from "zod";
import { SpendRowSchema } from "../spend.js";

export const MAX_SPEND_IMPORT_ROWS = 100_000;
export const MAX_SPEND_IMPORT_BYTES = 5 * 1024 * 1024;
/** The CSV header, in this order; the campaign cell may be empty. */
export const SPEND_CSV_COLUMNS = ["date", "channel", "campaign", "amount", "currency"] as const;

/** application/json body. Rows stay `unknown` in the envelope so every bad line is reported, not the first. */
export const SpendImportEnvelopeSchema = z.strictObject({
  rows: z.array(z.unknown()).min(1, "must hold at least one row").max(MAX_SPEND_IMPORT_ROWS, `must hold at most ${MAX_SPEND_IMPORT_ROWS} rows`),
});

/** The JSON body as documented: rows of spend. */
export const SpendImportBodySchema = z.strictObject({
  rows: z.array(SpendRowSchema).min(1).max(MAX_SPEND_IMPORT_ROWS),
});
export type SpendImportBody = z.infer<typeof SpendImportBodySchema>;

/**
 * One bad line. JSON: `line` is the 1-based position in `rows`. CSV: the 1-based line of the file
 * (the header is line 1). `field` is the column, or "(row)" for a line that is wrong as a whole.
 */
export const SpendLineErrorSchema = z.object({ line: z.number().int().positive(), field: z.string(), message: z.string() });
export type SpendLineError = z.infer<typeof SpendLineErrorSchema>;

/** 200: every row stored. A re-import of the same (date, channel, campaign) replaces the earlier amount. */
export const SpendImportResponseSchema = z.object({ imported: z.number().int().nonnegative() });
export type SpendImportResponse = z.infer<typeof SpendImportResponseSchema>;

/** 400 `details` when any line is bad: nothing is imported. */
export const SpendImportErrorDetailsSchema = z.array(SpendLineErrorSchema);
