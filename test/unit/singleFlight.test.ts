import { SingleFlight } from '../../src/services/dossiers/SingleFlight';

/** Concurrent fetches of one system's code share one fetch, until it settles or a push drops it. */
describe('SingleFlight', () => {
  const settled = () => new Promise((resolve) => setImmediate(resolve));

  it('offers a fetch of a code to later requests until it settles', async () => {
    const flights = new SingleFlight<string>();
    let answer!: (value: string) => void;
    const fetch = new Promise<string>((resolve) => (answer = resolve));
    flights.start('tinh', 'A', fetch);
    expect(flights.joinable('tinh', 'A')).toBe(fetch);
    expect(flights.joinable('tinh', 'B')).toBeUndefined();
    expect(flights.joinable('bo', 'A')).toBeUndefined();
    answer('dossier');
    await settled();
    expect(flights.joinable('tinh', 'A')).toBeUndefined();
  });

  it('forgets a failed fetch too', async () => {
    const flights = new SingleFlight<string>();
    const fetch = Promise.reject(new Error('down'));
    flights.start('tinh', 'A', fetch);
    await expect(fetch).rejects.toThrow('down');
    await settled();
    expect(flights.joinable('tinh', 'A')).toBeUndefined();
  });

  it('after a drop, offers the next fetch, and the dropped one settling leaves it', async () => {
    const flights = new SingleFlight<string>();
    let answerOld!: (value: string) => void;
    const old = new Promise<string>((resolve) => (answerOld = resolve));
    flights.start('tinh', 'A', old);
    flights.drop('tinh', 'A');
    expect(flights.joinable('tinh', 'A')).toBeUndefined();
    const next = new Promise<string>(() => undefined);
    flights.start('tinh', 'A', next);
    answerOld('before the push');
    await settled();
    expect(flights.joinable('tinh', 'A')).toBe(next);
  });
});
