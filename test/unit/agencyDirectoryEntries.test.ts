import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAuditStore } from '../../src/audit/FileAuditStore';
import type { Principal } from '../../src/auth/Principal';
import { AgencyDirectory, type Agency } from '../../src/domain/AgencyDirectory';
import {
  FileRegistrationStore,
  type StoredRegistration,
} from '../../src/registry/RegistrationStore';
import {
  DIRECTORY_NAMESPACE,
  DirectoryEntries,
} from '../../src/services/agencies/DirectoryEntries';
import { effectiveDirectory } from '../../src/services/agencies/effectiveDirectory';
import { AuditService } from '../../src/services/audit/AuditService';
import { createTestLogger } from '../support/testLogger';

const agency = (code: string, fields: Partial<Agency> = {}): Agency => ({
  code,
  name: `Đơn vị ${code}`,
  level: 2,
  tier: null,
  parent: '000.00.00.H01',
  validFrom: null,
  validTo: null,
  successors: [],
  officeHours: null,
  ...fields,
});

const FILE: Agency[] = [
  agency('000.00.00.H01', { level: 1, parent: null }),
  agency('000.00.01.H01'),
  agency('000.00.02.H01'),
];

const stored = (
  document: Record<string, unknown>,
  fields: Partial<StoredRegistration> = {},
): StoredRegistration => ({
  id: String(document.code),
  version: 1,
  enabled: true,
  deleted: false,
  document,
  updatedAt: '2026-12-01T08:00:00+07:00',
  updatedBy: 'key:admin',
  note: null,
  quarantine: null,
  ...fields,
});

describe('The directory in effect: the file with the runtime entries over it', () => {
  it('applies entries that hold together, in as many passes as they need, and reports the others', () => {
    const built = effectiveDirectory(FILE, [
      // Depends on an entry sorted after it: applied in the second pass.
      stored({ ...agency('000.00.03.H01'), parent: '000.00.09.H01' }),
      stored({ ...agency('000.00.09.H01') }),
      // Its parent exists nowhere: a write that raced another replica's, say.
      stored({ ...agency('000.00.05.H01'), parent: '000.00.77.H01' }, { version: 3 }),
      // No longer a valid entry (level 9).
      stored({ ...agency('000.00.06.H01'), level: 9 }, { version: 2 }),
      // Replaces the file's entry of its code.
      stored({ ...agency('000.00.01.H01'), name: 'Tên mới' }, { version: 4 }),
      // A deleted entry: the file's entry of its code stays.
      stored({ ...agency('000.00.02.H01'), name: 'Đã xóa' }, { version: 2, deleted: true }),
    ]);
    expect(built.agencies.map((a) => [a.code, a.name]).sort()).toEqual([
      ['000.00.00.H01', 'Đơn vị 000.00.00.H01'],
      ['000.00.01.H01', 'Tên mới'],
      ['000.00.02.H01', 'Đơn vị 000.00.02.H01'],
      ['000.00.03.H01', 'Đơn vị 000.00.03.H01'],
      ['000.00.09.H01', 'Đơn vị 000.00.09.H01'],
    ]);
    expect([...built.applied.keys()].sort()).toEqual([
      '000.00.01.H01',
      '000.00.03.H01',
      '000.00.09.H01',
    ]);
    expect(built.unapplied).toEqual([
      {
        code: '000.00.05.H01',
        version: 3,
        problem: 'conflict',
        detail: '000.00.05.H01 parent: unknown agency 000.00.77.H01',
      },
      {
        code: '000.00.06.H01',
        version: 2,
        problem: 'invalid',
        detail: expect.stringContaining('level: Too big'),
      },
    ]);
  });

  it('of two entries that close a successor cycle together, keeps the first', () => {
    const closed = { validTo: '2025-06-30' };
    const built = effectiveDirectory(FILE, [
      stored({
        ...agency('000.00.01.H01', closed),
        successors: [{ code: '000.00.02.H01', from: '2025-07-01', scope: null }],
      }),
      stored({
        ...agency('000.00.02.H01', closed),
        successors: [{ code: '000.00.01.H01', from: '2025-07-01', scope: null }],
      }),
    ]);
    expect([...built.applied.keys()]).toEqual(['000.00.01.H01']);
    expect(built.unapplied).toEqual([
      expect.objectContaining({
        code: '000.00.02.H01',
        problem: 'conflict',
        detail: expect.stringContaining('successor cycle'),
      }),
    ]);
  });
});

describe('AgencyDirectory.replace', () => {
  it('swaps the contents at once; a listing under way keeps what it started with', () => {
    const directory = new AgencyDirectory(FILE);
    const generation = directory.generation;
    const listing = directory.list({});
    expect(listing.next().value?.code).toBe('000.00.00.H01');
    directory.replace([...FILE, agency('000.00.03.H01')]);
    expect([...listing].map((a) => a.code)).toEqual(['000.00.01.H01', '000.00.02.H01']);
    expect(directory.get('H01.03')?.code).toBe('000.00.03.H01');
    expect(directory.childrenOf('000.00.00.H01')).toHaveLength(3);
    expect(directory.generation).not.toBe(generation);
  });
});

describe('DirectoryEntries on a store that cannot be read', () => {
  const admin: Principal = {
    id: 'key:admin',
    name: 'quản trị',
    role: 'admin',
    via: 'apiKey',
    agencies: [],
    connectors: [],
  };
  let folder: string;

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('keeps the directory as it was, says so, and refuses changes until it can be read again', async () => {
    folder = await mkdtemp(join(tmpdir(), 'directory-entries-'));
    const store = await FileRegistrationStore.open(join(folder, 'registry'), DIRECTORY_NAMESPACE);
    const audits = await FileAuditStore.open(join(folder, 'audit'), 'test');
    const logger = createTestLogger();
    const directory = new AgencyDirectory(FILE);
    const entries = new DirectoryEntries({
      store,
      directory,
      file: FILE,
      audit: new AuditService(audits, logger, () => new Date()),
      logger,
      now: () => new Date(),
    });
    try {
      await entries.start();
      const put = await entries.put(
        admin,
        'code: H01.03\nname: Sở mới\nlevel: 2\nparent: H01\n',
        0,
        null,
      );
      expect(put).toMatchObject({ ok: true, value: { code: '000.00.03.H01' } });
      expect(entries.origin('000.00.03.H01')).toEqual({ origin: 'RUNTIME', version: 1 });

      // A file of the store no longer reads (a disk fault, a hand edit).
      const broken = join(folder, 'registry', 'directory', '000.00.04.H01.json');
      await writeFile(broken, '{"versions": [');
      await entries.reload();
      expect(entries.health().storeError).toEqual(expect.any(String));
      expect(logger.text()).toContain('agency directory reload failed');
      expect(directory.get('000.00.03.H01')?.name).toBe('Sở mới');
      const refused = await entries.put(
        admin,
        'code: H01.05\nname: Sở khác\nlevel: 2\nparent: H01\n',
        0,
        null,
      );
      expect(refused).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
      expect(directory.get('000.00.05.H01')).toBeUndefined();

      await rm(broken);
      await entries.reload();
      expect(entries.health()).toEqual({ unapplied: [], storeError: null });
    } finally {
      entries.close();
      await store.close();
      await audits.close();
    }
  });
});
