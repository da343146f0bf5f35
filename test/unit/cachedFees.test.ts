import type { Fee } from '../../connectors/model';
import { dossierResolvers } from '../../src/graphql/resolvers/dossierResolvers';

const { charged, text } = dossierResolvers.Fee;

describe('Fees read before charged and text existed (a cached dossier, a kind written as code)', () => {
  it('answers charged from the amount, and no text', () => {
    const old = (amount: number | null): Fee => ({ name: 'Lệ phí', amount });
    expect([old(50000), old(0), old(null)].map(charged)).toEqual([true, false, null]);
    expect(text(old(50000))).toBeNull();
  });

  it('answers what a fee read now says, "Không thu" included', () => {
    const free: Fee = { name: 'Lệ phí', amount: null, charged: false, text: 'Không thu' };
    expect(charged(free)).toBe(false);
    expect(text(free)).toBe('Không thu');
    const unread: Fee = { name: 'Phí', amount: null, charged: null, text: 'theo quy định' };
    expect(charged(unread)).toBeNull();
  });
});
