import type { SampleProcedure } from './vocabulary';

/** A catalogue entry as the sample systems publish it, before each renders it in its own format. */
export interface SampleCatalogueEntry {
  code: string;
  name: string;
  fieldCode: string;
  fieldName: string;
  /** "Toàn trình" or "Một phần" (Decree 42/2022). */
  onlineLevel: string;
  agencies: Array<{ code: string; name: string }>;
  channels: Array<{
    channel: 1 | 2 | 3;
    /** Thời hạn giải quyết as published ("05 ngày làm việc", "Trong ngày"). */
    time: string;
    days: number;
    /** An amount in VND, or the words the system publishes for no fee ("Không thu"). */
    fees: Array<{ name: string; amount: number | string }>;
  }>;
  documents: Array<{ name: string; formName: string | null; formUrl: string | null }>;
  legalBases: Array<{ number: string; title: string }>;
  /** "Đang công khai" or "Bãi bỏ". */
  state: string;
}

/** Illustrative legal bases (not checked against the official gazette). */
const LEGAL_BASES: Readonly<Record<string, { number: string; title: string }>> = {
  'Hộ tịch': { number: '60/2014/QH13', title: 'Luật Hộ tịch' },
  'Chứng thực': {
    number: '23/2015/NĐ-CP',
    title: 'Nghị định về cấp bản sao từ sổ gốc, chứng thực bản sao từ bản chính',
  },
  'Đất đai': { number: '31/2024/QH15', title: 'Luật Đất đai' },
  'Hoạt động xây dựng': { number: '50/2014/QH13', title: 'Luật Xây dựng' },
  'Việc làm': { number: '38/2013/QH13', title: 'Luật Việc làm' },
};

/**
 * Catalogue entries for a system's procedures: each `code` becomes `code + suffix` (a local
 * variant such as `1.004227.000.00.00.H56`), or stays national when `suffix` is empty.
 */
export function catalogueEntries(
  procedures: readonly SampleProcedure[],
  suffix: string,
  agency: { code: string; name: string },
): SampleCatalogueEntry[] {
  return procedures.map((procedure, index) => ({
    code: `${procedure.code}${suffix}`,
    name: procedure.name,
    fieldCode: procedure.fieldCode,
    fieldName: procedure.fieldName,
    onlineLevel: index % 3 === 2 ? 'Một phần' : 'Toàn trình',
    agencies: [agency],
    channels: ([1, 2] as const).map((channel) => ({
      channel,
      time: procedure.publishedTime ?? `${procedure.days} ngày làm việc`,
      days: procedure.days,
      fees:
        procedure.fee > 0
          ? [
              {
                name: procedure.feeName,
                amount: channel === 2 ? Math.round(procedure.fee / 2) : procedure.fee,
              },
            ]
          : procedure.publishedNoFee === undefined
            ? []
            : [{ name: procedure.feeName, amount: procedure.publishedNoFee }],
    })),
    documents: [
      {
        name: 'Tờ khai theo mẫu',
        formName: `Mẫu tờ khai ${procedure.code}`,
        formUrl: `https://thutuc.example/mau/${procedure.code}.docx`,
      },
      { name: 'Bản sao giấy tờ tùy thân', formName: null, formUrl: null },
    ],
    legalBases:
      LEGAL_BASES[procedure.fieldName] === undefined
        ? []
        : [LEGAL_BASES[procedure.fieldName] as { number: string; title: string }],
    state: 'Đang công khai',
  }));
}
