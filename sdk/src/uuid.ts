interface CryptoLike {
  randomUUID?: () => string;
  getRandomValues?: <T extends Uint8Array>(array: T) => T;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Formats 16 random bytes as a version-4 UUID. */
export function bytesToUuidV4(bytes: Uint8Array): string {
  const b = (i: number) => HEX[bytes[i]! & 0xff]!;
  const version = HEX[(bytes[6]! & 0x0f) | 0x40]!;
  const variant = HEX[(bytes[8]! & 0x3f) | 0x80]!;
  return `${b(0)}${b(1)}${b(2)}${b(3)}-${b(4)}${b(5)}-${version}${b(7)}-${variant}${b(9)}-${b(10)}${b(11)}${b(12)}${b(13)}${b(14)}${b(15)}`;
}

/**
 * The fastest UUID source the runtime has: crypto.randomUUID (Node 19+, browsers, Deno, Bun,
 * workers), else getRandomValues, else Math.random — ids only need to be unique, not secret.
 */
export function createUuidGenerator(crypto: CryptoLike | undefined = (globalThis as { crypto?: CryptoLike }).crypto): () => string {
  if (crypto?.randomUUID) return crypto.randomUUID.bind(crypto);
  const bytes = new Uint8Array(16);
  if (crypto?.getRandomValues) {
    const fill = crypto.getRandomValues.bind(crypto);
    return () => bytesToUuidV4(fill(bytes));
  }
  return () => {
    for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
    return bytesToUuidV4(bytes);
  };
}
