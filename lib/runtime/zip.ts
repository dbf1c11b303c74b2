/**
 * The runtime bundle's ZIP archive: one file, fixed timestamp, permissions and order (not re-exported by
 * the package's index: the package build and synth use it).
 */
import { constants as zlibConstants, crc32, deflateRawSync } from 'node:zlib';

/** DOS date of 1980-01-01 (the earliest ZIP can hold), time 00:00: the same archive on every machine. */
const ZIP_DOS_DATE = (0 << 9) | (1 << 5) | 1;
/** A regular file, rw-r--r--, in the upper half of the external attributes (made by: Unix). */
const ZIP_UNIX_FILE_MODE = (0o100644 << 16) >>> 0;

/** A ZIP archive (deflated) with one file. Node's zlib does the compression and the CRC. */
export function zipOneFile(name: string, content: Buffer): Buffer {
  const data = deflateRawSync(content, { level: zlibConstants.Z_BEST_COMPRESSION });
  const fileName = Buffer.from(name, 'utf8');
  const crc = crc32(content);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
  local.writeUInt16LE(0, 6); // flags
  local.writeUInt16LE(8, 8); // method: deflate
  local.writeUInt16LE(0, 10); // time
  local.writeUInt16LE(ZIP_DOS_DATE, 12);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.byteLength, 18);
  local.writeUInt32LE(content.byteLength, 22);
  local.writeUInt16LE(fileName.byteLength, 26);
  local.writeUInt16LE(0, 28); // extra length
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, 2.0
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0, 8);
  central.writeUInt16LE(8, 10);
  central.writeUInt16LE(0, 12);
  central.writeUInt16LE(ZIP_DOS_DATE, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.byteLength, 20);
  central.writeUInt32LE(content.byteLength, 24);
  central.writeUInt16LE(fileName.byteLength, 28);
  central.writeUInt16LE(0, 30); // extra length
  central.writeUInt16LE(0, 32); // comment length
  central.writeUInt16LE(0, 34); // disk
  central.writeUInt16LE(0, 36); // internal attributes
  central.writeUInt32LE(ZIP_UNIX_FILE_MODE, 38);
  central.writeUInt32LE(0, 42); // offset of the local header
  const centralOffset = local.byteLength + fileName.byteLength + data.byteLength;
  const centralSize = central.byteLength + fileName.byteLength;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8); // entries on this disk
  end.writeUInt16LE(1, 10); // entries
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}
