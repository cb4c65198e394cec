import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { type Extract, extract, type Header } from "tar-stream";

/**
 * One entry of a tar archive, as tar-stream reads it: ustar (with the name prefix), GNU (long
 * names, base-256 sizes of 8 GiB and more) and PAX (long paths, sizes, extended attributes).
 */
export interface TarEntry {
  path: string;
  kind: "file" | "directory" | "link" | "other";
  /** A link's target (symbolic or hard), empty otherwise. */
  linkTarget: string;
  /** The content's size in bytes, as the header (or its PAX record) says. */
  size: number;
  /** The permission bits (with setuid, setgid and sticky). */
  mode: number;
  /** The owner's numeric ids. */
  uid: number;
  gid: number;
  /** The modification time, in whole seconds since the epoch (what a layer's tar header holds). */
  mtime: number;
  /** The PAX records that came with the entry (extended attributes, say); empty without. */
  pax: Readonly<Record<string, string>>;
  /** The entry's bytes. Whatever is left unread is skipped when the next entry is asked for. */
  content: AsyncIterable<Buffer>;
}

/** A tar archive that cannot be read: cut short, or not a tar (gzip-compressed, say). */
export class TarReadError extends Error {
  constructor(cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`the tar archive cannot be read (${/unexpected end/i.test(detail) ? "it is cut short" : detail})`, { cause });
  }
}

/**
 * The entries of the tar archive streaming in from `source`, one at a time, without unpacking it:
 * `docker save` writes a tar of hundreds of MB whose layers are tars themselves, to be read once.
 */
export async function* tarEntries(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry> {
  const extractor = extract();
  void feed(source, extractor);
  try {
    for await (const stream of extractor) {
      // The entry stream's own iterator, never returned early: that would destroy the whole extractor.
      const body = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      const next = () => body.next().catch((error: unknown) => Promise.reject(new TarReadError(error)));
      const content = (async function* () {
        for (let piece = await next(); !piece.done; piece = await next()) yield piece.value;
      })();
      yield entryOf(stream.header, content);
      // What the caller left unread: the next entry's header follows it.
      while (!(await next()).done);
    }
  } catch (error) {
    throw error instanceof TarReadError ? error : new TarReadError(error);
  } finally {
    // Stopped early: the feeding ends at the source's next chunk, and returns the source.
    extractor.destroy();
  }
}

/** The archive's bytes written into the extractor as it asks for them; a failing source fails it. */
async function feed(source: AsyncIterable<Buffer>, extractor: Extract): Promise<void> {
  try {
    for await (const chunk of source) {
      if (extractor.destroyed) return;
      if (!extractor.write(chunk)) await drainedOrClosed(extractor);
    }
    extractor.end(undefined);
  } catch (error) {
    extractor.destroy(error instanceof Error ? error : new Error(String(error)));
  }
}

function drainedOrClosed(extractor: Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      extractor.off("drain", done);
      extractor.off("close", done);
      resolve();
    };
    extractor.on("drain", done);
    extractor.on("close", done);
  });
}

function entryOf(header: Header, content: AsyncIterable<Buffer>): TarEntry {
  return {
    path: header.name,
    kind: kindOf(header.type),
    linkTarget: header.linkname ?? "",
    size: header.size,
    mode: header.mode,
    uid: header.uid,
    gid: header.gid,
    mtime: Math.floor((header.mtime?.getTime() ?? 0) / 1000),
    pax: isRecords(header.pax) ? header.pax : {},
    content,
  };
}

function kindOf(type: Header["type"]): TarEntry["kind"] {
  if (type === "file" || type === "contiguous-file") return "file";
  if (type === "directory") return "directory";
  if (type === "link" || type === "symlink") return "link";
  return "other";
}

const isRecords = (pax: unknown): pax is Record<string, string> => typeof pax === "object" && pax !== null;

/** An entry's content as it is meant to be read, and whether that is a tar of its own. */
export interface OpenedContent {
  /** The content starts with a tar header (a layer of `docker save`, say), or is an empty archive. */
  isTar: boolean;
  gzipped: boolean;
  /** The content, gunzipped when it was gzip-compressed. */
  bytes: AsyncIterable<Buffer>;
}

/**
 * Looks at the start of `content`: gzip's magic (an engine with the containerd image store saves
 * layers compressed) has it gunzipped, and a tar header marks a tar to read with `tarEntries`.
 */
export async function openEntryContent(content: AsyncIterable<Buffer>): Promise<OpenedContent> {
  const raw = await peek(content, blockSize);
  const gzipped = raw.head[0] === 0x1f && raw.head[1] === 0x8b;
  // A pipeline, so that an archive cut inside the layer fails the gunzipped stream too.
  const opened = gzipped ? await peek(pipeline(Readable.from(raw.all), createGunzip(), () => {}), blockSize) : raw;
  return { isTar: isTarHeader(opened.head), gzipped, bytes: opened.all };
}

const blockSize = 512;

/** A tar header block: "ustar" at offset 257 (POSIX and GNU), or an empty archive (all zeros). */
function isTarHeader(block: Buffer): boolean {
  if (block.length < blockSize) return false;
  return block.toString("latin1", 257, 262) === "ustar" || block.every((byte) => byte === 0);
}

/** The first `length` bytes of a stream (fewer when it is shorter), and the whole stream again. */
async function peek(source: AsyncIterable<Buffer>, length: number): Promise<{ head: Buffer; all: AsyncIterable<Buffer> }> {
  const iterator = source[Symbol.asyncIterator]();
  const taken: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < length) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    taken.push(next.value);
    size += next.value.length;
  }
  const head = Buffer.concat(taken);
  async function* all(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { head, all: all() };
}
