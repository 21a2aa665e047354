/**
 * Just enough PNG for the Teams app icons: write 8-bit RGBA images deterministically, and read an
 * image back (size from the header, pixels as RGBA) so the package script and the tests can check
 * icons by looking at them, whoever drew them.
 */
import { crc32, deflateSync, inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface RgbaImage {
  width: number;
  height: number;
  /** width × height × 4 bytes, row by row, R G B A. */
  data: Uint8Array;
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

/** Encodes an RGBA image (colour type 6, bit depth 8, no filtering: the output is byte-for-byte stable). */
export function encodePng(image: RgbaImage): Buffer {
  const { width, height, data } = image;
  if (data.length !== width * height * 4) throw new Error(`expected ${width * height * 4} bytes of RGBA, got ${data.length}`);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8);
  ihdr.writeUInt8(6, 9);
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    Buffer.from(data.buffer, data.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlace: number;
}

/** Reads the IHDR chunk; throws when the bytes are not a PNG. */
export function readPngHeader(bytes: Buffer): PngHeader {
  if (bytes.length < 33 || !bytes.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  if (bytes.toString('latin1', 12, 16) !== 'IHDR') throw new Error('PNG without an IHDR chunk first');
  return {
    width: bytes.readUInt32BE(16),
    height: bytes.readUInt32BE(20),
    bitDepth: bytes.readUInt8(24),
    colorType: bytes.readUInt8(25),
    interlace: bytes.readUInt8(28),
  };
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decodes a non-interlaced 8-bit PNG of any colour type into RGBA (palette and tRNS included), which
 * covers what image editors export for app icons.
 */
export function decodePng(bytes: Buffer): RgbaImage {
  const header = readPngHeader(bytes);
  const channels = CHANNELS[header.colorType];
  if (header.bitDepth !== 8 || channels === undefined) throw new Error(`unsupported PNG: bit depth ${header.bitDepth}, colour type ${header.colorType}`);
  if (header.interlace !== 0) throw new Error('unsupported PNG: interlaced');
  const idat: Buffer[] = [];
  let palette: Buffer | null = null;
  let transparency: Buffer | null = null;
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IDAT') idat.push(body);
    else if (type === 'PLTE') palette = body;
    else if (type === 'tRNS') transparency = body;
    else if (type === 'IEND') break;
    at += 12 + length;
  }
  const { width, height } = header;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length < (stride + 1) * height) throw new Error('PNG image data is truncated');
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x] ?? 0;
      const left = x >= channels ? pixels[y * stride + x - channels] ?? 0 : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + x] ?? 0 : 0;
      const upLeft = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] ?? 0 : 0;
      const predicted = filter === 0 ? 0 : filter === 1 ? left : filter === 2 ? up : filter === 3 ? (left + up) >> 1 : filter === 4 ? paeth(left, up, upLeft) : NaN;
      if (Number.isNaN(predicted)) throw new Error(`PNG row ${y} has unknown filter ${filter}`);
      pixels[y * stride + x] = (value + predicted) & 0xff;
    }
  }
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const p = pixels.subarray(i * channels, i * channels + channels);
    let rgba: [number, number, number, number];
    switch (header.colorType) {
      case 0: rgba = [p[0] ?? 0, p[0] ?? 0, p[0] ?? 0, transparency && transparency.readUInt16BE(0) === p[0] ? 0 : 255]; break;
      case 2: rgba = [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, 255]; break;
      case 3: {
        const index = p[0] ?? 0;
        if (!palette || index * 3 + 2 >= palette.length) throw new Error('PNG palette index out of range');
        rgba = [palette[index * 3] ?? 0, palette[index * 3 + 1] ?? 0, palette[index * 3 + 2] ?? 0, transparency?.[index] ?? 255];
        break;
      }
      case 4: rgba = [p[0] ?? 0, p[0] ?? 0, p[0] ?? 0, p[1] ?? 0]; break;
      default: rgba = [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 0];
    }
    data.set(rgba, i * 4);
  }
  return { width, height, data };
}
