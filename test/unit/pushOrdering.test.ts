import { PushOrdering } from '../../src/services/dossiers/PushOrdering';

/** An answer read before a push is not cached over it; one read after is. */
describe('PushOrdering', () => {
  it('says a code changed after a fetch noted its mark, and not before', () => {
    const pushes = new PushOrdering(60_000);
    pushes.changed('tinh', ['A']);
    const fetchStarted = pushes.mark();
    expect(pushes.changedSince('tinh', 'A', fetchStarted)).toBe(false);
    pushes.changed('tinh', ['A', 'B']);
    expect(pushes.changedSince('tinh', 'A', fetchStarted)).toBe(true);
    expect(pushes.changedSince('tinh', 'B', fetchStarted)).toBe(true);
    expect(pushes.changedSince('tinh', 'C', fetchStarted)).toBe(false);
    expect(pushes.changedSince('bo', 'A', fetchStarted)).toBe(false);
    expect(pushes.changedSince('tinh', 'A', pushes.mark())).toBe(false);
  });
});
