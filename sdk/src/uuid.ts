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

/** Reused by sha1(): ids are computed per event on hot paths, so no allocation per call but the result. */
const W = new Uint32Array(80);
let padded = new Uint8Array(320);

/**
 * SHA-1 (FIPS 180-4) of the first `length` bytes, synchronously and without dependencies: name-based
 * ids must be computed inside track() in any fetch runtime, where WebCrypto's digest is async-only.
 * Not used for anything secret; SHA-1 is what RFC 9562 prescribes for version-5 UUIDs.
 */
export function sha1(message: Uint8Array, length = message.length): Uint8Array {
  const blocks = ((length + 8) >> 6) + 1;
  if (padded.length < blocks * 64) padded = new Uint8Array(blocks * 64);
  // The message, the 0x80 terminator, zeros, and the bit length in the last 8 bytes.
  padded.set(message.subarray(0, length));
  padded.fill(0, length, blocks * 64);
  padded[length] = 0x80;
  const bitLength = length * 8;
  const end = blocks * 64;
  const high = Math.floor(bitLength / 0x100000000);
  padded[end - 8] = high >>> 24;
  padded[end - 7] = (high >>> 16) & 0xff;
  padded[end - 6] = (high >>> 8) & 0xff;
  padded[end - 5] = high & 0xff;
  padded[end - 4] = bitLength >>> 24;
  padded[end - 3] = (bitLength >>> 16) & 0xff;
  padded[end - 2] = (bitLength >>> 8) & 0xff;
  padded[end - 1] = bitLength & 0xff;
  let h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
  for (let block = 0; block < blocks; block++) {
    for (let t = 0, i = block * 64; t < 16; t++, i += 4) W[t] = ((padded[i]! << 24) | (padded[i + 1]! << 16) | (padded[i + 2]! << 8) | padded[i + 3]!) >>> 0;
    for (let t = 16; t < 80; t++) {
      const x = W[t - 3]! ^ W[t - 8]! ^ W[t - 14]! ^ W[t - 16]!;
      W[t] = (x << 1) | (x >>> 31);
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let t = 0; t < 80; t++) {
      const f = t < 20 ? (b & c) | (~b & d) : t < 40 ? b ^ c ^ d : t < 60 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
      const k = t < 20 ? 0x5a827999 : t < 40 ? 0x6ed9eba1 : t < 60 ? 0x8f1bbcdc : 0xca62c1d6;
      const temp = (((a << 5) | (a >>> 27)) + f + e + k + W[t]!) >>> 0;
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

/** The namespace's 16 bytes followed by the name's UTF-8, in a buffer reused across calls. */
let input = new Uint8Array(256);
let inputNamespace = "";

function nameInput(name: string, namespace: string): number {
  // UTF-8 is at most 3 bytes per UTF-16 unit (a surrogate pair: 4 bytes for 2 units).
  if (input.length < 16 + name.length * 3) {
    input = new Uint8Array(16 + name.length * 3);
    inputNamespace = "";
  }
  if (inputNamespace !== namespace) {
    input.set(uuidBytes(namespace));
    inputNamespace = namespace;
  }
  let n = 16;
  for (let i = 0; i < name.length; i++) {
    let code = name.charCodeAt(i);
    if (code < 0x80) input[n++] = code;
    else if (code < 0x800) {
      input[n++] = 0xc0 | (code >> 6);
      input[n++] = 0x80 | (code & 0x3f);
    } else {
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < name.length) {
        const low = name.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          i++;
          input[n++] = 0xf0 | (code >> 18);
          input[n++] = 0x80 | ((code >> 12) & 0x3f);
          input[n++] = 0x80 | ((code >> 6) & 0x3f);
          input[n++] = 0x80 | (code & 0x3f);
          continue;
        }
      }
      // A lone surrogate encodes as U+FFFD, as TextEncoder does.
      if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
      input[n++] = 0xe0 | (code >> 12);
      input[n++] = 0x80 | ((code >> 6) & 0x3f);
      input[n++] = 0x80 | (code & 0x3f);
    }
  }
  return n;
}

/** A version-5 (name-based, SHA-1) UUID per RFC 9562 §5.5: the same namespace and name always give the same id. */
export function uuidV5(name: string, namespace: string): string {
  // nameInput may replace the buffer: take its length before reading `input`.
  const length = nameInput(name, namespace);
  const hash = sha1(input, length);
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
