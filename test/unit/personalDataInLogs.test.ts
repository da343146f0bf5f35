import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createLogger } from '../../src/platform/logger';
import { findPersonalData } from '../support/personalDataInLogs';

describe('The search for personal data in the logs (run by the global teardown)', () => {
  it('finds names (composed or decomposed), identity numbers, phones and e-mails, not their masked forms', () => {
    const folder = mkdtempSync(join(tmpdir(), 'log-scan-'));
    writeFileSync(
      join(folder, 'a.jsonl'),
      [
        '{"msg":"ok","applicant":"Nguyễn V** A*","id":"*********789","hash":"a85d948912345678bc0"}',
        '{"msg":"leak","name":"Nguyễn Văn An"}',
        `{"msg":"leak","name":"${'Trần Thị Hoa'.normalize('NFD')}"}`,
        '{"msg":"leak","id":"038123456789"}',
        '{"msg":"leak","phone":"0912345678"}',
        '{"msg":"leak","email":"nguyenvanan12@gmail.com"}',
        '{"msg":"ok","time":1795688412837,"code":"000.00.01.H56-250101-0001"}',
      ].join('\n'),
    );
    const { lines, findings } = findPersonalData(folder);
    expect(lines).toBe(7);
    expect(findings.map((f) => [f.line, f.kind])).toEqual([
      [2, 'name'],
      [3, 'name'],
      [4, 'identity number'],
      [5, 'phone'],
      [6, 'e-mail'],
    ]);
  });

  it("the gateway's logger redacts a dossier's personal fields passed by mistake; plain pino would not", () => {
    const folder = mkdtempSync(join(tmpdir(), 'log-redact-'));
    const record = {
      dossier: {
        code: '000.00.01.H56-250101-0001',
        applicant: { name: 'Lê Hữu Bình', phone: '0387654321', idNumber: '038098765432' },
      },
    };
    const redacted = join(folder, 'gateway.jsonl');
    createLogger('info', pino.destination({ dest: redacted, sync: true })).info(record, 'oops');
    expect(readFileSync(redacted, 'utf8')).toContain('[redacted]');
    expect(findPersonalData(folder).findings).toEqual([]);
    pino(pino.destination({ dest: join(folder, 'plain.jsonl'), sync: true })).info(record, 'oops');
    expect(
      findPersonalData(folder)
        .findings.map((f) => f.kind)
        .sort(),
    ).toEqual(['identity number', 'name', 'phone']);
  });
});
