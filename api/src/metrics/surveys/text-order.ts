/** Texts in answers order as the engine sorts String: by UTF-8 bytes (JS `<` compares UTF-16 units, which differs past U+FFFF). */
export const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/** byteOrder with null (no text) last. */
export const byteOrderNullLast = (a: string | null, b: string | null): number => (a === b ? 0 : a === null ? 1 : b === null ? -1 : byteOrder(a, b));
