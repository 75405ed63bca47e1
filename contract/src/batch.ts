/** What one POST /v1/events may carry: the collector refuses more, the SDK never sends more. */
export const MAX_BATCH_EVENTS = 1000;
export const MAX_BATCH_BYTES = 1024 * 1024;
