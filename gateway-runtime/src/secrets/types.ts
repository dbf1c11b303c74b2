import type { SecretRef } from '../config/types';

/** A secret's value and the version it was read at (rotation changes the version). */
export interface SecretValue {
  readonly value: string;
  /** Secrets Manager VersionId, or a content hash for file and env sources. */
  readonly version: string;
}

/** Reads secret references. Implementations cache; a failure throws CredentialsUnavailableError. */
export interface SecretResolver {
  resolve(ref: SecretRef): Promise<SecretValue>;
  /**
   * The value at once, when the source can tell without I/O or waiting (a cached value that is still
   * fresh, an environment variable); otherwise undefined, and `resolve` it is. Never throws: a
   * failure is `resolve`'s to report. The hot path of a request uses it to skip a promise chain.
   */
  resolveNow?(ref: SecretRef): SecretValue | undefined;
}

/**
 * One structured log entry (a JSON line once written). Entries name secret *references* (ARN, file,
 * variable) and error codes, never a secret value.
 */
export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly event: string;
  readonly [field: string]: unknown;
}

export type LogSink = (entry: LogEntry) => void;

/** Writes each entry as one JSON line on stderr (the runtime's default when no sink is injected). */
export const jsonLineLog: LogSink = (entry) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
};

/** The default sink: warnings and errors as JSON lines on stderr, info entries dropped. */
export const warningsToStderr: LogSink = (entry) => {
  if (entry.level !== 'info') jsonLineLog(entry);
};
