import { inflateSync } from "node:zlib";

/** What a PNG file says about itself once every chunk's CRC and the image data's length have checked out. */
export interface PngInfo {
  width: number;
  height: number;
  colorType: number;
  bitDepth: number;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = (CRC_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const CHANNELS_PER_COLOR_TYPE: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Decodes a PNG far enough to know it is whole and valid: the signature, every chunk's CRC, IHDR first and
 * IEND last, and the inflated image data exactly one filter byte plus one row of pixels per line (8-bit,
 * non-interlaced, as a renderer writes). Throws saying what is wrong.
 */
export function checkPng(bytes: Buffer): PngInfo {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!bytes.subarray(0, 8).equals(signature)) throw new Error("not a PNG: bad signature");
  let offset = 8;
  const chunks: Array<{ type: string; data: Buffer }> = [];
  while (offset < bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.subarray(offset + 4, offset + 8).toString("latin1");
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    const crc = bytes.readUInt32BE(offset + 8 + length);
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== crc) throw new Error(`bad CRC in chunk ${type}`);
    chunks.push({ type, data });
    offset += 12 + length;
  }
  if (chunks[0]?.type !== "IHDR") throw new Error("IHDR is not the first chunk");
  if (chunks[chunks.length - 1]?.type !== "IEND") throw new Error("IEND is not the last chunk");
  const header = chunks[0].data;
  const info: PngInfo = { width: header.readUInt32BE(0), height: header.readUInt32BE(4), bitDepth: header[8] ?? 0, colorType: header[9] ?? 0 };
  const channels = CHANNELS_PER_COLOR_TYPE[info.colorType];
  if (info.bitDepth !== 8 || channels === undefined || header[12] !== 0) throw new Error(`unexpected format: depth ${info.bitDepth}, color type ${info.colorType}, interlace ${header[12]}`);
  const pixels = inflateSync(Buffer.concat(chunks.filter((chunk) => chunk.type === "IDAT").map((chunk) => chunk.data)));
  const expected = info.height * (1 + info.width * channels);
  if (pixels.length !== expected) throw new Error(`image data is ${pixels.length} bytes, not ${expected}`);
  return info;
}
