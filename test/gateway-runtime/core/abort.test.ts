import { AbortFlag, eitherAborts } from '../../../gateway-runtime/src/core/abort';

const listener = (calls: string[], name: string) => ({ handleEvent: () => calls.push(name) });

describe('AbortFlag', () => {
  test('GIVEN listeners WHEN aborted twice THEN each is called once, in order, with the reason set', () => {
    const flag = new AbortFlag();
    const calls: string[] = [];
    flag.addEventListener('abort', listener(calls, 'a'));
    flag.addEventListener('abort', listener(calls, 'b'));
    const reason = new Error('caller gone');
    flag.abort(reason);
    flag.abort(new Error('again'));
    expect(calls).toEqual(['a', 'b']);
    expect(flag).toMatchObject({ aborted: true, reason });
  });

  test('GIVEN a removed listener WHEN aborted THEN it is not called', () => {
    const flag = new AbortFlag();
    const calls: string[] = [];
    const a = listener(calls, 'a');
    flag.addEventListener('abort', a);
    flag.addEventListener('abort', listener(calls, 'b'));
    flag.removeEventListener('abort', a);
    flag.abort();
    expect(calls).toEqual(['b']);
    expect((flag.reason as Error).name).toBe('AbortError');
  });
});

describe('eitherAborts', () => {
  test.each(['first', 'second'] as const)(
    'GIVEN two signals WHEN the %s aborts THEN the combined one aborts with its reason',
    (which) => {
      const first = new AbortController();
      const second = new AbortFlag();
      const { signal } = eitherAborts(first.signal, second);
      const reason = new Error(which);
      if (which === 'first') first.abort(reason);
      else second.abort(reason);
      expect(signal).toMatchObject({ aborted: true, reason });
    },
  );

  test('GIVEN an aborted signal THEN the combined one is aborted at once', () => {
    const done = new AbortFlag();
    done.abort('early');
    expect(eitherAborts(new AbortFlag(), done).signal).toMatchObject({ aborted: true, reason: 'early' });
  });

  test('GIVEN dispose() WHEN a signal aborts later THEN the combined one stays as it was (no listener left behind)', () => {
    const longLived = new AbortFlag();
    const combined = eitherAborts(longLived, new AbortFlag());
    combined.dispose();
    longLived.abort();
    expect(combined.signal.aborted).toBe(false);
  });
});
