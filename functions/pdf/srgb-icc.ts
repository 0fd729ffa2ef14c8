/**
 * An sRGB ICC profile (v2, display class, matrix/TRC), built from the published sRGB parameters
 * (IEC 61966-2-1: D50-adapted primaries, the piecewise transfer curve): PDF/A's output intent
 * needs one, and no maintained npm package ships the profile. ~2.6 KB, made once per process.
 */
const s15f16 = (v: number) => Math.round(v * 65536);

function xyzTag(x: number, y: number, z: number): Buffer {
  const b = Buffer.alloc(20);
  b.write('XYZ ', 0, 'ascii');
  b.writeInt32BE(s15f16(x), 8);
  b.writeInt32BE(s15f16(y), 12);
  b.writeInt32BE(s15f16(z), 16);
  return b;
}

function curveTag(points: number): Buffer {
  const b = Buffer.alloc(12 + points * 2);
  b.write('curv', 0, 'ascii');
  b.writeUInt32BE(points, 8);
  for (let i = 0; i < points; i++) {
    const v = i / (points - 1);
    const linear = v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    b.writeUInt16BE(Math.round(linear * 65535), 12 + i * 2);
  }
  return b;
}

function descTag(text: string): Buffer {
  // textDescriptionType: ASCII, then empty Unicode and ScriptCode parts (67 bytes of Macintosh filler).
  const ascii = Buffer.from(`${text}\0`, 'ascii');
  const b = Buffer.alloc(12 + ascii.length + 8 + 3 + 67);
  b.write('desc', 0, 'ascii');
  b.writeUInt32BE(ascii.length, 8);
  ascii.copy(b, 12);
  return b;
}

function textTag(text: string): Buffer {
  const ascii = Buffer.from(`${text}\0`, 'ascii');
  const b = Buffer.alloc(8 + ascii.length);
  b.write('text', 0, 'ascii');
  ascii.copy(b, 8);
  return b;
}

const pad4 = (b: Buffer) => (b.length % 4 ? Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]) : b);

let cached: Uint8Array | undefined;

export function srgbIccProfile(): Uint8Array {
  if (cached) return cached;
  const trc = curveTag(1024);
  const tags: [string, Buffer][] = [
    ['desc', descTag('sRGB IEC61966-2.1')],
    ['cprt', textTag('No copyright, use freely')],
    ['wtpt', xyzTag(0.9642, 1.0, 0.8249)],
    ['rXYZ', xyzTag(0.4361, 0.2225, 0.0139)],
    ['gXYZ', xyzTag(0.3851, 0.7169, 0.0971)],
    ['bXYZ', xyzTag(0.1431, 0.0606, 0.7141)],
    ['rTRC', trc],
    ['gTRC', trc],
    ['bTRC', trc],
  ];
  const tableSize = 4 + tags.length * 12;
  let offset = 128 + tableSize;
  const table = Buffer.alloc(tableSize);
  table.writeUInt32BE(tags.length, 0);
  const bodies: Buffer[] = [];
  const placed = new Map<Buffer, number>();
  tags.forEach(([sig, data], i) => {
    let at = placed.get(data);
    if (at === undefined) {
      at = offset;
      placed.set(data, at);
      const padded = pad4(data);
      bodies.push(padded);
      offset += padded.length;
    }
    table.write(sig, 4 + i * 12, 'ascii');
    table.writeUInt32BE(at, 8 + i * 12);
    table.writeUInt32BE(data.length, 12 + i * 12);
  });
  const header = Buffer.alloc(128);
  header.writeUInt32BE(offset, 0);
  header.writeUInt32BE(0x02100000, 8); // version 2.1
  header.write('mntr', 12, 'ascii');
  header.write('RGB ', 16, 'ascii');
  header.write('XYZ ', 20, 'ascii');
  [2026, 1, 1, 0, 0, 0].forEach((v, i) => header.writeUInt16BE(v, 24 + i * 2));
  header.write('acsp', 36, 'ascii');
  header.writeInt32BE(s15f16(0.9642), 68);
  header.writeInt32BE(s15f16(1.0), 72);
  header.writeInt32BE(s15f16(0.8249), 76);
  cached = new Uint8Array(Buffer.concat([header, table, ...bodies]));
  return cached;
}
