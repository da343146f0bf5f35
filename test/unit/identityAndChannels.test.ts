import { z } from 'zod';
import { ID_TYPES, type ChannelCode } from '../../connectors/model';
import { compileMapping, dossierMappingSchema } from '../../connectors/shared/dossierMapping';
import { ExpressionCompiler } from '../../connectors/shared/expression/ExpressionCompiler';
import { idShapeProblem } from '../../connectors/shared/idTypes';
import {
  NATIONAL_APPLICANT_TYPES,
  NATIONAL_CHANNELS,
  normaliseDossier,
} from '../../connectors/shared/normaliseDossier';
import { VIETNAM_ZONE } from '../../connectors/shared/parseUpstreamDate';
import { normaliseProcedure, procedureTables } from '../../connectors/shared/procedureMapping';
import { createStatusTable } from '../../connectors/shared/statusTable';
import { tablesSchema } from '../../connectors/shared/tablesSchema';

/** Issue 22 item 10: identity kinds (tax codes among them) and "every channel". */

describe('Identity kinds', () => {
  it('checks each kind’s number and keeps a number that does not fit, with a warning', () => {
    expect(ID_TYPES).toEqual(['1', '2', 'MST', 'HC']);
    for (const [type, number] of [
      ['1', '038190000123'],
      ['2', '123456789'],
      ['MST', '0101234567'],
      ['MST', '0101234567-001'],
      ['MST', '0101234567001'],
      ['HC', 'C1234567'],
      ['9', 'anything'], // a system's own kind: not checked
      [null, '123'],
    ] as const)
      expect({ type, number, problem: idShapeProblem(type, number) }).toEqual({
        type,
        number,
        problem: null,
      });
    for (const [type, number] of [
      ['1', '03819000012'],
      ['2', '1234567890'],
      ['MST', '010123456'],
      ['MST', '0101234567-01'],
      ['MST', '0101234567_001'],
    ] as const)
      expect(idShapeProblem(type, number)).toMatch(/kept as sent$/);
  });

  it('reads a registration’s tax code type through the mapping, the number untouched', async () => {
    const spec = dossierMappingSchema.parse({
      code: 'ma',
      status: 'tt',
      applicant: {
        ids: {
          each: '$',
          fields: {
            type: 'loai = "citizen" ? ($length(so) = 12 ? "1" : "2") : "MST"',
            number: 'so',
          },
        },
      },
    });
    const tables = {
      statuses: createStatusTable({ '4': 4 }, {}),
      channels: NATIONAL_CHANNELS,
      applicantTypes: NATIONAL_APPLICANT_TYPES,
      dates: { formats: ['dd/MM/yyyy'], zone: VIETNAM_ZONE },
      legacyText: [],
      historyOrder: 'oldestFirst' as const,
    };
    const read = async (loai: string, so: string) =>
      normaliseDossier(
        await compileMapping(spec, new ExpressionCompiler(1000)).evaluate({
          ma: 'X-1',
          tt: '4',
          loai,
          so,
        }),
        tables,
      );
    const enterprise = await read('business', '0101234567-001');
    expect(enterprise.applicant.ids).toEqual([{ type: 'MST', number: '0101234567-001' }]);
    expect(enterprise.warnings).toEqual([]);
    const wrong = await read('business', '12345');
    expect(wrong.applicant.ids).toEqual([{ type: 'MST', number: '12345' }]);
    expect(wrong.warnings).toEqual([
      { field: 'applicant.ids[0].number', problem: expect.stringMatching(/^a tax code \(MST\)/) },
    ]);
  });
});

describe('Every channel', () => {
  const channels = z.object(tablesSchema).shape.channels;

  it('a channels: table may map a value to all; anything else but 1–3 is refused', () => {
    const table = channels.parse({ 'Tất cả': 'all', TT: 2 });
    expect([...(table ?? new Map())]).toEqual([
      ['tất cả', 'ALL'],
      ['tt', 2],
    ]);
    const refused = channels.safeParse({ x: 'every' });
    expect(refused.success).toBe(false);
    expect(refused.error?.issues[0]?.message).toMatch(/1, 2 or 3, or all/);
    expect(channels.safeParse({ x: 4 }).success).toBe(false);
  });

  it('a catalogue entry is for every channel when its mapping names none, or its value maps to all', () => {
    const record = (channel?: string) => ({
      code: '1.000001',
      name: 'Thủ tục',
      channels: [{ ...(channel === undefined ? {} : { channel }), processingTime: '3 ngày' }],
    });
    const table = new Map<string, ChannelCode>([
      ['1', 1],
      ['tất cả', 'ALL'],
    ]);
    const unmapped = procedureTables(undefined, undefined, table, true);
    expect(normaliseProcedure(record(), unmapped)?.channels[0]?.channel).toEqual({
      code: 'ALL',
      raw: 'ALL',
    });
    const mapped = procedureTables(undefined, undefined, table, false);
    // Mapped, but the record has no value: unknown, not every channel.
    expect(normaliseProcedure(record(), mapped)?.channels[0]?.channel).toBeNull();
    expect(normaliseProcedure(record('Tất cả'), mapped)?.channels[0]?.channel).toEqual({
      code: 'ALL',
      raw: 'Tất cả',
    });
    expect(normaliseProcedure(record('1'), mapped)?.channels[0]?.channel).toEqual({
      code: 1,
      raw: '1',
    });
  });
});
