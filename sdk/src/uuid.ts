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

/**
 * SHA-1 (FIPS 180-4) of a byte string, synchronously and without dependencies: name-based ids
 * must be computed inside track() in any fetch runtime, where WebCrypto's digest is async-only.
 * Not used for anything secret; SHA-1 is what RFC 9562 prescribes for version-5 UUIDs.
 */
export function sha1(message: Uint8Array): Uint8Array {
  const bitLength = message.length * 8;
  const blocks = ((message.length + 8) >> 6) + 1;
  const words = new Uint32Array(blocks * 16);
  for (let i = 0; i < message.length; i++) words[i >> 2]! |= message[i]! << (24 - (i % 4) * 8);
  words[message.length >> 2]! |= 0x80 << (24 - (message.length % 4) * 8);
  // Lengths beyond 2^32 bits never occur here (names are short); the high word stays 0.
  words[blocks * 16 - 1] = bitLength >>> 0;
  words[blocks * 16 - 2] = Math.floor(bitLength / 0x100000000);
  let h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
  const w = new Uint32Array(80);
  for (let block = 0; block < blocks; block++) {
    for (let t = 0; t < 16; t++) w[t] = words[block * 16 + t]!;
    for (let t = 16; t < 80; t++) {
      const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
      w[t] = (x << 1) | (x >>> 31);
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let t = 0; t < 80; t++) {
      const f = t < 20 ? (b & c) | (~b & d) : t < 40 ? b ^ c ^ d : t < 60 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
      const k = t < 20 ? 0x5a827999 : t < 40 ? 0x6ed9eba1 : t < 60 ? 0x8f1bbcdc : 0xca62c1d6;
      const temp = (((a << 5) | (a >>> 27)) + f + e + k + w[t]!) >>> 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    h0 = (h0 + a) >>> 0;
    h1 = (h1 + b) >>> 0;
    h2 = (h2 + c) >>> 0;
    h3 = (h3 + d) >>> 0;
    h4 = (h4 + e) >>> 0;
  }
  const out = new Uint8Array(20);
  [h0, h1, h2, h3, h4].forEach((h, i) => {
    out[i * 4] = h >>> 24;
    out[i * 4 + 1] = (h >>> 16) & 0xff;
    out[i * 4 + 2] = (h >>> 8) & 0xff;
    out[i * 4 + 3] = h & 0xff;
  });
  return out;
}

function uuidBytes(uuid: string): Uint8Array {
  const hex = uuid.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError(`not a UUID: ${uuid}`);
  return Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
}

/** A version-5 (name-based, SHA-1) UUID per RFC 9562 §5.5: the same namespace and name always give the same id. */
export function uuidV5(name: string, namespace: string): string {
  const nameBytes = new TextEncoder().encode(name);
  const input = new Uint8Array(16 + nameBytes.length);
  input.set(uuidBytes(namespace));
  input.set(nameBytes, 16);
  const hash = sha1(input);
  const b = (i: number) => HEX[hash[i]!]!;
  const version = HEX[(hash[6]! & 0x0f) | 0x50]!;
  const variant = HEX[(hash[8]! & 0x3f) | 0x80]!;
  return `${b(0)}${b(1)}${b(2)}${b(3)}-${b(4)}${b(5)}-${version}${b(7)}-${variant}${b(9)}-${b(10)}${b(11)}${b(12)}${b(13)}${b(14)}${b(15)}`;
}

/**
 * The namespace of the ids adapters derive from a messenger update (a fixed random UUID, so
 * these ids never collide with other v5 ids). Changing it would make a re-forwarded update
 * count twice: it is part of the contract.
 */
export const UPDATE_ID_NAMESPACE = "6f1d7c3e-0b8a-4c52-9e41-3a7d2f5b8c90";
