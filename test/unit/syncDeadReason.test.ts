import { answerReason, maskPersonal } from '../../src/services/sync/answerReason';
import { readChange } from '../../src/services/sync/readChange';
import { change } from '../support/syncChanges';

describe('What a dead letter keeps of the receiver’s answer', () => {
  it('keeps the status and the JSON code, error and message fields, nothing else', () => {
    expect(
      answerReason(422, JSON.stringify({ error: 'MaHoSo không hợp lệ', code: 'INVALID_RECORD' })),
    ).toBe('HTTP 422: INVALID_RECORD: MaHoSo không hợp lệ');
    expect(
      answerReason(400, JSON.stringify({ message: 'bad', record: { ChuHoSo: 'Nguyễn Văn An' } })),
    ).toBe('HTTP 400: bad');
    expect(answerReason(500, '<html>Nguyễn Văn An 038190000123</html>')).toBe('HTTP 500');
    expect(answerReason(404, '')).toBe('HTTP 404');
    expect(answerReason(409, JSON.stringify(['a list']))).toBe('HTTP 409');
    expect(answerReason(400, JSON.stringify({ code: 42, error: { nested: 'x' } }))).toBe(
      'HTTP 400',
    );
  });

  it('masks ID numbers, e-mail addresses and phone numbers the receiver quotes', () => {
    const reason = answerReason(
      422,
      JSON.stringify({
        error:
          'SoDinhDanh 038190000123 đã tồn tại; liên hệ an.nguyen@example.vn, +84 912 345 678 hoặc 0912.345.678',
      }),
    );
    expect(reason).not.toMatch(/038190000123|an\.nguyen|example\.vn|912 345 678|0912\.345\.678/);
    expect(reason).toBe('HTTP 422: SoDinhDanh *** đã tồn tại; liên hệ ***@***, *** hoặc ***');
    // Short numbers (a status, a year, a count) stay.
    expect(maskPersonal('trạng thái 4 năm 2025, 12 lần')).toBe('trạng thái 4 năm 2025, 12 lần');
  });

  it('is never longer than 120 characters', () => {
    const reason = answerReason(400, JSON.stringify({ error: 'lỗi '.repeat(100) }));
    expect(reason.length).toBe(120);
    expect(reason.endsWith('…')).toBe(true);
  });
});

describe('A change read back from an outbox', () => {
  it('is readable with its connector, code, state and a dossier with code, status, applicant and history', () => {
    const good = change('thanh-hoa-motcua', 1, 0);
    expect(readChange(JSON.stringify(good))).toEqual({ change: good });
    expect(readChange(good)).toEqual({ change: good });
  });

  it('is unreadable otherwise, naming the fields and never their values', () => {
    const good = change('thanh-hoa-motcua', 1, 0);
    const { applicant: _applicant, ...withoutApplicant } = good.dossier;
    const bad = readChange({ ...good, dossier: { ...withoutApplicant, history: null } });
    expect(bad).toMatchObject({
      unreadable: 'missing or malformed dossier.applicant, dossier.history',
      change: { connectorId: 'thanh-hoa-motcua', code: good.code, state: 's0' },
    });
    expect(readChange({ code: 7 })).toMatchObject({
      unreadable: 'missing or malformed connectorId, code, state, dossier',
      change: { connectorId: '(unreadable)', code: '(unreadable)' },
    });
    expect(readChange('{"connectorId": "x", "code": "038190000123"')).toMatchObject({
      unreadable: 'not JSON',
    });
    expect(readChange('[1, 2]')).toMatchObject({ unreadable: 'not a JSON object' });
  });
});
