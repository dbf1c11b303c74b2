import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { DEFAULT_SECRET_CACHE_SECONDS } from '../config/defaults';
import type { FileSecretRef } from '../config/types';
import { CredentialsUnavailableError } from '../core/errors';
import { contentVersion, describeSecretRef, pickJsonKey } from './describe';
import type { SecretValue } from './types';

export interface FileSourceOptions {
  /** Re-read a file at least this often even when its size and mtime look unchanged. @default 300 */
  readonly cacheSeconds?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

interface FileEntry {
  readonly content: string;
  readonly version: string;
  /** The identity of the file when it was read: a change of any of these means a new content. */
  readonly stamp: string;
  readonly readAt: number;
}

export interface FileSource {
  resolve(ref: FileSecretRef): Promise<SecretValue>;
}

/**
 * Secrets in local files. Each resolve costs one `stat` (resolves that arrive while one runs share it:
 * under load, one per event-loop turn rather than one per request): when the file's inode, size or mtime
 * changed (an in-place write or an atomic rename), or the cache lifetime passed, the file is read again,
 * so a rotated file is picked up by the next request. The version is a SHA-256 of the content.
 */
export function createFileSource(options: FileSourceOptions = {}): FileSource {
  const now = options.now ?? Date.now;
  const ttlMs = (options.cacheSeconds ?? DEFAULT_SECRET_CACHE_SECONDS) * 1000;
  const cache = new Map<string, FileEntry>();
  /** The `stat` running per file: resolves that arrive meanwhile share it instead of queueing their own. */
  const statting = new Map<string, Promise<Stats>>();
  const statOnce = (file: string): Promise<Stats> => {
    let running = statting.get(file);
    if (!running) {
      running = stat(file).finally(() => statting.delete(file));
      statting.set(file, running);
    }
    return running;
  };

  return {
    async resolve(ref) {
      let entry = cache.get(ref.file);
      try {
        const st = await statOnce(ref.file);
        const stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
        if (entry === undefined || entry.stamp !== stamp || now() - entry.readAt >= ttlMs) {
          const content = await readFile(ref.file, 'utf8');
          entry = { content, version: contentVersion(content), stamp, readAt: now() };
          cache.set(ref.file, entry);
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
        throw new CredentialsUnavailableError(`${describeSecretRef(ref)} can not be read (${code})`);
      }
      return { value: pickJsonKey(entry.content, ref), version: entry.version };
    },
  };
}
