/**
 * MP4, MOV, 3GP and M4A files with every metadata atom overwritten in place,
 * by the rules of portal/core/cleaning/isobmff.py: the same atoms blanked
 * (turned into `free` atoms of the same size, their content zeroed), the
 * same times, padding and metadata-track samples zeroed, the same refusals.
 * No offset moves, so the sound and pictures are copied untouched.
 *
 * Memory: the atoms are read in place in the file given; the clean copy is
 * one new array of the file's size (the file plus one copy in all), made
 * only once the whole structure has been read and found sound.
 */

import { fourCC, readBigEndian } from "./bytes.js";
import { Unreadable } from "./errors.js";

// Top-level atoms kept as they are; any other is blanked.
const TOP_KEPT = new Set(
  ["ftyp", "moov", "mdat", "free", "skip", "wide", "moof", "mfra"].concat(
    ["sidx", "styp", "ssix", "pdin", "prft"],
  ),
);
// Inside the movie, its tracks and their media: atoms that hold only metadata.
const METADATA = new Set(["udta", "meta", "uuid", "ilst", "keys", "XMP_", "cprt", "loci", "smta"]);
const PADDING = new Set(["free", "skip", "wide"]);
const CONTAINERS = new Set(["moov", "trak", "mdia", "minf", "stbl", "edts", "mvex"]);
// What the movie atom may hold besides metadata and padding.
const MOVIE_KEPT = new Set(["mvhd", "trak", "mvex", "iods"]);
const TIMED = new Set(["mvhd", "tkhd", "mdhd"]);
// Timed metadata (GPS, motion, timecode) and subtitle tracks: samples zeroed.
const METADATA_HANDLERS = new Set(["meta", "tmcd", "camm", "text", "sbtl", "subt", "clcp"]);
const METADATA_SAMPLES = new Set(
  ["gpmd", "camm", "mebx", "mett", "metx", "urim"].concat(
    ["tx3g", "text", "wvtt", "stpp", "sbtt", "c608", "c708"],
  ),
);
const MAX_DEPTH = 8;
/** A sample table larger than this is not a phone's: the server refuses it too. */
export const MAX_TABLE = 64 * 1024 * 1024;

const HEIF_BRANDS = new Set(
  ["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1", "avci"],
);
const AVIF_BRANDS = new Set(["avif", "avis"]);
const AUDIO_BRANDS = new Set(["M4A ", "M4B ", "M4P ", "F4A ", "F4B "]);
const THREE_GPP_PREFIXES = ["3gp", "3g2", "3ge", "3gg"];
/** The media types cleaned here. */
export const MOVIES = {
  "video/mp4": ".mp4",
  "video/quicktime": ".mov",
  "video/3gpp": ".3gp",
  "audio/mp4": ".m4a",
};

/**
 * One atom: its type, where it starts, its header's length and its whole size.
 * @typedef {{ kind: string, start: number, header: number, size: number,
 *             body: number, end: number }} Atom
 */

/**
 * Bytes [offset, offset + size) of the file, or Unreadable if it ends first.
 * @param {Uint8Array} bytes
 * @param {number} offset
 * @param {number} size
 */
function read(bytes, offset, size) {
  if (offset + size > bytes.length) throw new Unreadable("the file ends inside an atom");
  return bytes.subarray(offset, offset + size);
}

/**
 * The atoms that exactly fill start..end; Unreadable unless they do.
 * @param {Uint8Array} bytes
 * @param {number} start
 * @param {number} end
 * @returns {Atom[]}
 */
export function atoms(bytes, start, end) {
  /** @type {Atom[]} */
  const found = [];
  let position = start;
  while (position < end) {
    if (end - position < 8) throw new Unreadable("an atom is cut short");
    const head = read(bytes, position, 8);
    let size = readBigEndian(head, 0, 4);
    const kind = fourCC(head, 4);
    let header = 8;
    if (size === 1) {
      size = readBigEndian(read(bytes, position + 8, 8));
      header = 16;
    } else if (size === 0) {
      size = end - position; // the last atom runs to the end
    }
    if (size < header || position + size > end) {
      throw new Unreadable("an atom's size is impossible");
    }
    const body = position + header;
    found.push({ kind, start: position, header, size, body, end: position + size });
    position += size;
  }
  return found;
}

/**
 * The media type, if the whole file is a sequence of atoms with one movie
 * in it; HEIF and AVIF pictures are named, to be refused. Null otherwise.
 * @param {Uint8Array} bytes
 * @returns {string | null}
 */
export function mediaType(bytes) {
  let top;
  try {
    top = atoms(bytes, 0, bytes.length);
  } catch (error) {
    if (error instanceof Unreadable) return null;
    throw error;
  }
  if (top.length === 0 || !(TOP_KEPT.has(top[0].kind) || METADATA.has(top[0].kind))) return null;
  let brand = "";
  if (top[0].kind === "ftyp") {
    if (top[0].size < 16) return null;
    brand = fourCC(bytes, top[0].body);
    if (HEIF_BRANDS.has(brand)) return "image/heic";
    if (AVIF_BRANDS.has(brand)) return "image/avif";
  }
  if (top.filter((atom) => atom.kind === "moov").length !== 1) return null;
  if (AUDIO_BRANDS.has(brand)) return "audio/mp4";
  if (THREE_GPP_PREFIXES.some((prefix) => brand.startsWith(prefix))) return "video/3gpp";
  if (brand === "qt  " || brand === "") return "video/quicktime";
  return "video/mp4";
}

/** What to change in the copy: atoms to rename `free`, ranges to zero. */
class Edits {
  constructor() {
    /** @type {number[]} where "free" is written over an atom's type */
    this.renamed = [];
    /** @type {[number, number][]} */
    this.zeroed = [];
  }

  /** @param {Atom} atom turned into a `free` atom of the same size, its content zeroed */
  blank(atom) {
    this.renamed.push(atom.start + 4);
    this.zero(atom.body, atom.end);
  }

  /** @param {number} start @param {number} end */
  zero(start, end) {
    if (end > start) this.zeroed.push([start, end]);
  }
}

/**
 * Zero the creation and modification times of an mvhd, tkhd or mdhd atom.
 * @param {Uint8Array} bytes
 * @param {Atom} atom
 * @param {Edits} edits
 */
function zeroTimes(bytes, atom, edits) {
  const width = read(bytes, atom.body, 1)[0] === 1 ? 8 : 4;
  if (atom.size < atom.header + 4 + 2 * width) throw new Unreadable("a header atom is too short");
  edits.zero(atom.body + 4, atom.body + 4 + 2 * width);
}

/**
 * @param {Uint8Array} bytes
 * @param {Atom} parent
 * @param {Edits} edits
 * @param {number} depth
 */
function walk(bytes, parent, edits, depth) {
  if (depth > MAX_DEPTH) throw new Unreadable("atoms are nested too deeply");
  for (const atom of atoms(bytes, parent.body, parent.end)) {
    if (atom.kind === "cmov") throw new Unreadable("the movie's header is compressed");
    if (PADDING.has(atom.kind)) {
      edits.zero(atom.body, atom.end);
    } else if (
      METADATA.has(atom.kind) ||
      atom.kind.charCodeAt(0) === 0xa9 ||
      (parent.kind === "moov" && !MOVIE_KEPT.has(atom.kind))
    ) {
      edits.blank(atom);
    } else if (TIMED.has(atom.kind)) {
      zeroTimes(bytes, atom, edits);
    } else if (CONTAINERS.has(atom.kind)) {
      walk(bytes, atom, edits, depth + 1);
      if (atom.kind === "trak") zeroMetadataSamples(bytes, atom, edits);
    }
  }
}

/**
 * The atom at the end of a path of types inside parent, or null.
 * @param {Uint8Array} bytes
 * @param {Atom} parent
 * @param {...string} path
 * @returns {Atom | null}
 */
function child(bytes, parent, ...path) {
  /** @type {Atom | null} */
  let found = parent;
  for (const kind of path) {
    found = atoms(bytes, found.body, found.end).find((atom) => atom.kind === kind) ?? null;
    if (found === null) return null;
  }
  return found;
}

/**
 * A sample table's content, or Unreadable if larger than a phone's.
 * @param {Uint8Array} bytes
 * @param {Atom} atom
 */
function table(bytes, atom) {
  if (atom.size - atom.header > MAX_TABLE) throw new Unreadable("a sample table is too large");
  return read(bytes, atom.body, atom.size - atom.header);
}

/**
 * A big-endian 32-bit number in a table, or Unreadable past its end (as
 * Python's struct.unpack_from fails there).
 * @param {Uint8Array} data
 * @param {number} offset
 * @param {number} [size]
 */
function field(data, offset, size = 4) {
  if (offset + size > data.length) throw new Unreadable("a table is cut short");
  return readBigEndian(data, offset, size);
}

/**
 * @param {Uint8Array} bytes
 * @param {Atom} trak
 */
function isMetadataTrack(bytes, trak) {
  const handler = child(bytes, trak, "mdia", "hdlr");
  if (
    handler !== null &&
    handler.size >= handler.header + 12 &&
    METADATA_HANDLERS.has(fourCC(read(bytes, handler.body + 8, 4), 0))
  ) {
    return true;
  }
  const stsd = child(bytes, trak, "mdia", "minf", "stbl", "stsd");
  if (stsd !== null && stsd.size >= stsd.header + 16) {
    return METADATA_SAMPLES.has(fourCC(read(bytes, stsd.body + 12, 4), 0));
  }
  return false;
}

/**
 * Zero the samples of a timed metadata track (GPS, motion, timecode) where they lie.
 * @param {Uint8Array} bytes
 * @param {Atom} trak
 * @param {Edits} edits
 */
function zeroMetadataSamples(bytes, trak, edits) {
  if (!isMetadataTrack(bytes, trak)) return;
  const stbl = child(bytes, trak, "mdia", "minf", "stbl");
  if (stbl === null) return;
  const tables = new Map(atoms(bytes, stbl.body, stbl.end).map((atom) => [atom.kind, atom]));
  const offsetsAtom = tables.get("stco") ?? tables.get("co64");
  const stscAtom = tables.get("stsc");
  const stszAtom = tables.get("stsz");
  if (offsetsAtom === undefined || stscAtom === undefined || stszAtom === undefined) {
    return; // no samples here (a fragmented file keeps them in its fragments)
  }
  const step = offsetsAtom.kind === "co64" ? 8 : 4;
  const raw = table(bytes, offsetsAtom);
  const count = field(raw, 4);
  if (8 + count * step > raw.length) throw new Unreadable("a chunk offset table is cut short");
  const stsc = table(bytes, stscAtom);
  const runs = field(stsc, 4);
  if (8 + runs * 12 > stsc.length) throw new Unreadable("a sample-to-chunk table is cut short");
  const stsz = table(bytes, stszAtom);
  const fixed = field(stsz, 4);
  const samples = field(stsz, 8);
  if (!fixed && 12 + samples * 4 > stsz.length) {
    throw new Unreadable("a sample size table is cut short");
  }
  let sample = 0;
  for (let run = 0; run < runs; run++) {
    const first = field(stsc, 8 + run * 12);
    const inChunk = field(stsc, 12 + run * 12);
    const last = run + 1 < runs ? field(stsc, 8 + (run + 1) * 12) - 1 : count;
    for (let chunk = first; chunk <= last; chunk++) {
      if (chunk < 1 || chunk > count) {
        throw new Unreadable("a sample-to-chunk table names a chunk that is not there");
      }
      // The sizes of this chunk's samples, those past the table's end counting for none.
      const taken = Math.max(0, Math.min(sample + inChunk, samples) - sample);
      let total = 0;
      if (fixed) total = fixed * taken;
      else for (let i = sample; i < sample + taken; i++) total += field(stsz, 12 + i * 4);
      sample += inChunk;
      const start = field(raw, 8 + (chunk - 1) * step, step);
      if (total > 0) edits.zeroed.push([start, start + total]);
    }
  }
}

/**
 * The edits that clean a movie file; Unreadable if it is not one whole.
 * @param {Uint8Array} bytes
 * @returns {Edits}
 */
function editsFor(bytes) {
  const type = mediaType(bytes);
  if (type === null || !(type in MOVIES)) throw new Unreadable("not an MP4, MOV or M4A file");
  const edits = new Edits();
  for (const atom of atoms(bytes, 0, bytes.length)) {
    if (atom.kind === "moov") walk(bytes, atom, edits, 1);
    else if (PADDING.has(atom.kind)) edits.zero(atom.body, atom.end);
    else if (atom.kind === "prft") edits.zero(atom.body + 8, atom.end); // the wall-clock time
    else if (!TOP_KEPT.has(atom.kind)) edits.blank(atom);
  }
  if (edits.zeroed.some(([, end]) => end > bytes.length)) {
    throw new Unreadable("a sample lies outside the file");
  }
  return edits;
}

/**
 * The file with every metadata atom blanked in place, the media untouched:
 * a new array of the same size; the file given is not changed.
 * @param {Uint8Array} bytes
 * @returns {Uint8Array}
 */
export function cleanIsobmff(bytes) {
  const edits = editsFor(bytes);
  const copy = bytes.slice();
  for (const [start, end] of edits.zeroed) copy.fill(0, start, end);
  for (const start of edits.renamed) copy.set([0x66, 0x72, 0x65, 0x65], start); // "free"
  return copy;
}

/**
 * Check a cleaned file: its atoms fill it, it has one movie, and no metadata is left.
 * @param {Uint8Array} bytes
 */
export function checkIsobmff(bytes) {
  if (mediaType(bytes) === null) throw new Unreadable("the cleaned file is not a movie");
  const leftover = new Edits();
  for (const atom of atoms(bytes, 0, bytes.length)) {
    if (atom.kind === "moov") walk(bytes, atom, leftover, 1);
    else if (!TOP_KEPT.has(atom.kind)) throw new Unreadable("a metadata atom is left");
  }
  if (leftover.renamed.length) throw new Unreadable("a metadata atom is left");
}

