/**
 * Aborting a request: what the gateway needs of a signal (an AbortSignal has it), and a lighter flag
 * the standalone server makes per request. An AbortController costs an EventTarget, its listener
 * bookkeeping and an event per abort; on the hot path that was a few per cent of a request.
 */

/** An object listener (`handleEvent`), as EventTarget takes it: no closure per request. */
export interface AbortListener {
  handleEvent(): void;
}

/** What the gateway needs of an abort signal. An `AbortSignal` is one. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: AbortListener): void;
  removeEventListener(type: 'abort', listener: AbortListener): void;
}

/** A one-shot abort flag with listener objects, without EventTarget's machinery. */
export class AbortFlag implements AbortSignalLike {
  aborted = false;
  reason: unknown = undefined;
  private listeners: AbortListener[] | undefined;

  addEventListener(_type: 'abort', listener: AbortListener): void {
    if (!this.aborted) (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: AbortListener): void {
    const listeners = this.listeners;
    const at = listeners ? listeners.indexOf(listener) : -1;
    if (at >= 0) listeners!.splice(at, 1);
  }

  /** Aborts once (later calls do nothing); listeners are called in the order they were added. */
  abort(reason: unknown = new DOMException('This operation was aborted', 'AbortError')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (!listeners) return;
    for (const listener of listeners) listener.handleEvent();
  }
}

/**
 * A flag that aborts when either signal does, with that signal's reason. `dispose()` stops listening
 * (a caller's signal may outlive the request).
 */
export function eitherAborts(a: AbortSignalLike, b: AbortSignalLike): { signal: AbortFlag; dispose(): void } {
  const signal = new AbortFlag();
  const relay: AbortListener = {
    handleEvent: () => {
      dispose();
      signal.abort(a.aborted ? a.reason : b.reason);
    },
  };
  const dispose = () => {
    a.removeEventListener('abort', relay);
    b.removeEventListener('abort', relay);
  };
  if (a.aborted || b.aborted) signal.abort(a.aborted ? a.reason : b.reason);
  else {
    a.addEventListener('abort', relay);
    b.addEventListener('abort', relay);
  }
  return { signal, dispose };
}
