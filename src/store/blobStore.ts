/**
 * KeyValueStore on Azure Blob Storage, for several bot instances behind one Azure Bot: one JSON blob
 * per key, eTag concurrency through the blob's own ETag with If-Match.
 *
 * Why not botbuilder's BlobsStorage: it has no If-None-Match, so "create only if absent" (CREATE_ONLY,
 * which the operation lock, the audit log and proposals rely on) always conflicts there. This store
 * maps CREATE_ONLY to `If-None-Match: *`, so creation is atomic across instances too.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { CREATE_ONLY, ETagConflictError, type KeyValueStore, type StoreItem, type StoreItems } from './kv';

/** Blob name for a key: %-escaped like FileStore, so keys never form unexpected virtual folders. */
export function blobNameForKey(key: string): string {
  return encodeURIComponent(key).replace(/[!'()*~.]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const statusOf = (err: unknown): number | undefined => (err as { statusCode?: number } | null)?.statusCode;

export class BlobStore implements KeyValueStore {
  private ready: Promise<void> | null = null;

  constructor(private readonly container: ContainerClient) {}

  private ensureContainer(): Promise<void> {
    this.ready ??= this.container.createIfNotExists().then(() => undefined, (err: unknown) => {
      this.ready = null;
      throw err;
    });
    return this.ready;
  }

  async read(keys: string[]): Promise<StoreItems> {
    await this.ensureContainer();
    const out: StoreItems = {};
    await Promise.all(keys.map(async (key) => {
      try {
        // Content and ETag from one response: a separate properties call could pair old content with a newer ETag.
        const res = await this.container.getBlockBlobClient(blobNameForKey(key)).download();
        const item = JSON.parse((await readAll(res.readableStreamBody)).toString('utf8')) as Record<string, unknown>;
        out[key] = { ...item, eTag: res.etag ?? '' };
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
    }));
    return out;
  }

  async write(changes: StoreItems): Promise<void> {
    await this.ensureContainer();
    for (const [key, item] of Object.entries(changes)) await this.writeOne(key, item);
  }

  private async writeOne(key: string, item: StoreItem): Promise<void> {
    const { eTag, ...rest } = item;
    const body = JSON.stringify(rest);
    const conditions = eTag === CREATE_ONLY ? { ifNoneMatch: '*' }
      : eTag && eTag !== '*' ? { ifMatch: eTag } : {};
    try {
      await this.container.getBlockBlobClient(blobNameForKey(key)).upload(body, Buffer.byteLength(body), {
        conditions,
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    } catch (err) {
      const status = statusOf(err);
      // 412: If-Match failed; 409: If-None-Match on an existing blob; 404: If-Match on a deleted blob.
      if (status === 412 || status === 409 || (status === 404 && conditions !== undefined && 'ifMatch' in conditions)) {
        throw new ETagConflictError(key);
      }
      throw err;
    }
  }

  async delete(keys: string[]): Promise<void> {
    await this.ensureContainer();
    for (const key of keys) await this.container.getBlockBlobClient(blobNameForKey(key)).deleteIfExists();
  }
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  if (!stream) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
