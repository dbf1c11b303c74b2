import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DEFAULT_SECRET_CACHE_SECONDS } from '../config/defaults';
import type { FileSecretRef } from '../config/types';
import { contentVersion, pickJsonKey, secretFailure } from './describe';
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
  /** The value when the file was read before and is unchanged (this turn's stat says so); else undefined. */
  resolveNow(ref: FileSecretRef): SecretValue | undefined;
}

/**
 * Secrets in local files. The resolves of one event-loop turn share one `stat`, synchronous (a system
 * call of a few microseconds on a local or tmpfs file, where secrets belong: `/run/credentials`, a
 * Kubernetes secret volume; the thread-pool round trip of an asynchronous one cost the proxy several
 * times more per request): when the file's inode, size or mtime changed (an in-place write or an
 * atomic rename), or the cache lifetime passed, the file is read again, so a rotated file is picked
 * up by the requests of the next turn on; resolves that arrive while it is read share the read. The
 * version is a SHA-256 of the content.
 */
export function createFileSource(options: FileSourceOptions = {}): FileSource {
  const now = options.now ?? Date.now;
  const ttlMs = (options.cacheSeconds ?? DEFAULT_SECRET_CACHE_SECONDS) * 1000;
  const cache = new Map<string, FileEntry>();
  /** Reads running, by file and stamp: resolves that arrive meanwhile (a cold start's crowd) share one. */
  const reading = new Map<string, Promise<FileEntry>>();
  const read = (file: string, stamp: string): Promise<FileEntry> => {
    const key = `${stamp}\0${file}`;
    let running = reading.get(key);
    if (!running) {
      running = readFile(file, 'utf8')
        .then((content) => {
          const entry = { content, version: contentVersion(content), stamp, readAt: now() };
          cache.set(file, entry);
          return entry;
        })
        .finally(() => reading.delete(key));
      reading.set(key, running);
    }
    return running;
  };

  /** The stamps taken in this event-loop turn: the resolves of one turn (a crowd, under load) share a stat. */
  let stamps = new Map<string, string>();
  let turnEnd: NodeJS.Immediate | undefined;
  const stampOf = (file: string): string => {
    let stamp = stamps.get(file);
    if (stamp === undefined) {
      const st = statSync(file);
      stamp = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
      stamps.set(file, stamp);
      turnEnd ??= setImmediate(() => {
        stamps = new Map();
        turnEnd = undefined;
      }).unref();
    }
    return stamp;
  };

  /** The cached content is still the file's: the same stamp, and read within the cache lifetime. */
  const isFresh = (entry: FileEntry, stamp: string): boolean =>
    entry.stamp === stamp && now() - entry.readAt < ttlMs;

  return {
    resolveNow(ref) {
      const entry = cache.get(ref.file);
      if (entry === undefined) return undefined;
      try {
        if (!isFresh(entry, stampOf(ref.file))) return undefined;
        return { value: pickJsonKey(entry.content, ref), version: entry.version };
      } catch {
        return undefined; // resolve() reports it
      }
    },
    async resolve(ref) {
      let entry = cache.get(ref.file);
      try {
        const stamp = stampOf(ref.file);
        if (entry === undefined || !isFresh(entry, stamp)) {
          entry = await read(ref.file, stamp);
        }
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
        throw secretFailure(ref, code, ` can not be read (${code})`);
      }
      return { value: pickJsonKey(entry.content, ref), version: entry.version };
    },
  };
}
