/**
 * Reads a tar archive as it streams past, entry by entry, without unpacking it: `docker save` is a
 * tar whose layers are tars themselves, hundreds of MB that need only be read once. Understands
 * what Docker and Go's archive/tar write: ustar headers (with the name prefix), PAX extended headers
 * (long paths) and GNU long names. PAX and GNU records are entries too (kind "metadata"): their
 * bytes (extended attributes, say) belong to the archive's content like any file's.
 */
export interface TarEntry {
  path: string;
  kind: "file" | "directory" | "link" | "metadata" | "other";
  /** A link's target (symbolic or hard), empty otherwise. */
  linkTarget: string;
  size: number;
  /** The entry's bytes. The reader skips whatever is left unread when the next entry is asked for. */
  content: AsyncIterable<Buffer>;
}

const blockSize = 512;

export async function* tarEntries(source: AsyncIterable<Buffer | string>): AsyncGenerator<TarEntry> {
  const reader = new ByteReader(source);
  let longPath: string | undefined;
  for (;;) {
    const header = await reader.read(blockSize);
    // The archive ends with zero blocks (or, written carelessly, just ends between two entries).
    if (!header && reader.pending) throw new Error("the tar archive ends inside a header");
    if (!header || header.every((byte) => byte === 0)) return;
    const size = numberField(header, 124, 12);
    const type = String.fromCharCode(header[156]!);
    const padding = (blockSize - (size % blockSize)) % blockSize;

    if (type === "x" || type === "g" || type === "L") {
      const data = (await reader.read(size)) ?? Buffer.alloc(0);
      await reader.read(padding);
      // A PAX "path" record or a GNU long name is the next entry's path; global records name no entry.
      if (type === "x") longPath = paxRecords(data).get("path") ?? longPath;
      if (type === "L") longPath = stringField(data, 0, data.length);
      yield { path: `(${type === "L" ? "GNU long name" : "PAX header"})`, kind: "metadata", linkTarget: "", size, content: once(data) };
      continue;
    }

    const name = stringField(header, 0, 100);
    // POSIX ustar ("ustar\0" + "00") splits long paths into a prefix; GNU's format uses those bytes otherwise.
    const prefix = header.toString("latin1", 257, 265) === "ustar\u000000" ? stringField(header, 345, 155) : "";
    const path = longPath ?? (prefix ? `${prefix}/${name}` : name);
    longPath = undefined;
    const content = new EntryContent(reader, size);
    yield { path, kind: kindOf(type), linkTarget: stringField(header, 157, 100), size, content };
    await content.skipRest();
    await reader.read(padding);
  }
}

function kindOf(type: string): TarEntry["kind"] {
  if (type === "0" || type === "\u0000" || type === "7") return "file";
  if (type === "5") return "directory";
  if (type === "1" || type === "2") return "link";
  return "other";
}

/** A NUL-terminated text field. */
function stringField(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.toString("utf8", 0, end < 0 ? field.length : end);
}

/** An octal number field, or base-256 when its first byte's high bit is set (sizes of 8 GiB and more). */
function numberField(block: Buffer, offset: number, length: number): number {
  const field = block.subarray(offset, offset + length);
  if (field[0]! & 0x80) {
    let value = BigInt(field[0]! & 0x7f);
    for (const byte of field.subarray(1)) value = (value << 8n) | BigInt(byte);
    return Number(value);
  }
  const text = field.toString("latin1").replace(/[\0 ]+/g, " ").trim();
  return text ? Number.parseInt(text, 8) : 0;
}

/** PAX records: `<length> <key>=<value>\n`, one after another. */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let offset = 0;
  while (offset < data.length) {
    const space = data.indexOf(0x20, offset);
    if (space < 0) break;
    const length = Number.parseInt(data.toString("latin1", offset, space), 10);
    if (!Number.isFinite(length) || length <= 0) break;
    const record = data.toString("utf8", space + 1, offset + length - 1);
    const equals = record.indexOf("=");
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    offset += length;
  }
  return records;
}

async function* once(data: Buffer): AsyncGenerator<Buffer> {
  if (data.length) yield data;
}

/** One entry's bytes, read straight from the archive's stream; what the caller leaves is skipped. */
class EntryContent implements AsyncIterable<Buffer> {
  private readonly reader: ByteReader;
  private remaining: number;

  constructor(reader: ByteReader, size: number) {
    this.reader = reader;
    this.remaining = size;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    while (this.remaining > 0) {
      const piece = await this.reader.next(this.remaining);
      this.remaining -= piece.length;
      yield piece;
    }
  }

  async skipRest(): Promise<void> {
    while (this.remaining > 0) this.remaining -= (await this.reader.next(this.remaining)).length;
  }
}

/** Exact-length reads over a stream of chunks of any size. */
class ByteReader {
  private readonly iterator: AsyncIterator<Buffer | string>;
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;

  constructor(source: AsyncIterable<Buffer | string>) {
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Bytes read from the stream and not yet taken. */
  get pending(): number {
    return this.buffered;
  }

  /** Exactly `length` bytes, or undefined when the stream ends first. */
  async read(length: number): Promise<Buffer | undefined> {
    if (length === 0) return Buffer.alloc(0);
    while (this.buffered < length && (await this.pull()));
    if (this.buffered < length) return undefined;
    const parts: Buffer[] = [];
    for (let wanted = length; wanted > 0; ) {
      const piece = this.take(wanted);
      parts.push(piece);
      wanted -= piece.length;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Between 1 and `most` bytes, as they come; the stream ending first means the archive is cut short. */
  async next(most: number): Promise<Buffer> {
    if (!this.buffered && !(await this.pull())) throw new Error("the tar archive ends inside an entry");
    return this.take(most);
  }

  private take(most: number): Buffer {
    const head = this.chunks[0]!;
    if (head.length <= most) {
      this.chunks.shift();
      this.buffered -= head.length;
      return head;
    }
    this.chunks[0] = head.subarray(most);
    this.buffered -= most;
    return head.subarray(0, most);
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = typeof next.value === "string" ? Buffer.from(next.value) : next.value;
    if (chunk.length) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    return true;
  }
}
