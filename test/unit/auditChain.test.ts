import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyChain, type AuditEvent } from '../../src/audit/auditChain';
import { FileAuditStore, readAuditFolder } from '../../src/audit/FileAuditStore';

const EVENT: AuditEvent = {
  who: 'key:0123456789abcdef',
  name: 'Kiểm toán',
  role: 'auditor',
  action: 'read.unmasked',
  operation: 'Q/dossiers',
  codes: ['000.00.01.H56-260924-0001'],
  scope: null,
  purpose: 'Thanh tra theo quyết định 123',
  outcome: 'found 1, errors 0',
};
const AT = '2026-11-26T15:00:00.000+07:00';

async function chainOf(folder: string, writer: string) {
  const chain = (await readAuditFolder(folder)).get(writer);
  return verifyChain(writer, chain?.records ?? [], chain?.head ?? null);
}

describe('File audit store: one chain per writer, continued after a restart', () => {
  it('continues a fixed writer id where it ended, and the whole chain verifies', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'chain-'));
    const first = await FileAuditStore.open(folder, 'gw-1');
    await first.append(EVENT, AT);
    await first.append(EVENT, AT);
    await first.close();
    const second = await FileAuditStore.open(folder, 'gw-1');
    expect((await second.append(EVENT, AT)).seq).toBe(3);
    await second.close();
    expect(await chainOf(folder, 'gw-1')).toEqual([]);
  });

  it('brings a head left one entry behind (a crash between entry and head) up to date', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'chain-'));
    const store = await FileAuditStore.open(folder, 'gw-2');
    const one = await store.append(EVENT, AT);
    await store.append(EVENT, AT);
    await store.close();
    await writeFile(
      join(folder, 'audit-gw-2.head.json'),
      JSON.stringify({ seq: 1, hash: one.hash }),
    );
    expect(await chainOf(folder, 'gw-2')).toEqual([
      'the head is behind the chain (seq 1 of 2): written before a crash, or the head was replaced',
    ]);
    const restarted = await FileAuditStore.open(folder, 'gw-2');
    expect((await restarted.append(EVENT, AT)).seq).toBe(3);
    await restarted.close();
    expect(await chainOf(folder, 'gw-2')).toEqual([]);
  });

  it('refuses to continue a chain that does not end where its head says', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'chain-'));
    const store = await FileAuditStore.open(folder, 'gw-3');
    await store.append(EVENT, AT);
    await store.append(EVENT, AT);
    await store.append(EVENT, AT);
    await store.close();
    const lines = (await readFile(join(folder, 'audit-gw-3.jsonl'), 'utf8')).trim().split('\n');
    await writeFile(join(folder, 'audit-gw-3.jsonl'), `${lines.slice(0, 1).join('\n')}\n`);
    const restarted = await FileAuditStore.open(folder, 'gw-3');
    await expect(restarted.append(EVENT, AT)).rejects.toThrow(
      'audit chain gw-3 does not end where its head says; run npm run audit -- verify',
    );
    await restarted.close();
    expect(await readFile(join(folder, 'audit-gw-3.jsonl'), 'utf8')).toBe(`${lines[0]}\n`);
  });
});
