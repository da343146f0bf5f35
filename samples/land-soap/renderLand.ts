import type { DateTime } from 'luxon';
import { decodeTcvn3 } from '../../connectors/shared/legacyText';
import type { SampleDossier } from '../generator/SampleDataset';

const date = (value: DateTime | null) =>
  value === null ? '' : value.toFormat('dd/MM/yyyy HH:mm:ss');

const escape = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Unicode → TCVN3 bytes as Latin-1 characters, the inverse of the gateway's decoding table. */
const TCVN3_BYTES: ReadonlyMap<string, string> = new Map(
  Array.from({ length: 0xff - 0xa1 + 1 }, (_, i) => String.fromCharCode(0xa1 + i))
    .map((byte) => [decodeTcvn3(byte), byte] as const)
    .filter(([letter, byte]) => letter !== byte),
);

/** How the old system stored text: toned capitals had no TCVN3 (VN3) code of their own. */
export function encodeTcvn3(text: string): string {
  return [...text.normalize('NFC')]
    .map((char) => TCVN3_BYTES.get(char) ?? TCVN3_BYTES.get(char.toLowerCase()) ?? char)
    .join('');
}

/**
 * The land registration system's status: its district branches (under `.21.12.H56`) report
 * "supplement requested" (5), "payment requested" (6) and "stopped" (8) as "finished" (9) — the
 * registration declares 9 lossy.
 */
export function landStatus(dossier: SampleDossier, status: number): number {
  return dossier.agency.code.includes('.21.12.H56') &&
    (status === 5 || status === 6 || status === 8)
    ? 9
    : status;
}

/**
 * One dossier as the SOAP system writes it: element names of its own, `dd/MM/yyyy HH:mm:ss`,
 * numeric statuses, some names decomposed (NFD), and old summaries in TCVN3 bytes.
 */
export function renderLand(dossier: SampleDossier, broken: boolean): string {
  const old = dossier.receivedAt.year === 2024 && dossier.code.endsWith('1');
  const decomposed = dossier.code.endsWith('2') || dossier.code.endsWith('4');
  const text = (value: string) => escape(decomposed ? value.normalize('NFD') : value);
  const e = (name: string, value: string | null) =>
    value === null || value === '' ? `<${name} xsi:nil="true"/>` : `<${name}>${value}</${name}>`;
  const parts = [
    broken ? '' : e('MaHoSo', escape(dossier.code)),
    e('MaTTHC', `${dossier.procedure.code}.000.00.12.H56`),
    e('TenTTHC', text(dossier.procedure.name)),
    e('MaLinhVuc', dossier.procedure.fieldCode),
    e('TenLinhVuc', text(dossier.procedure.fieldName)),
    e('MaDonVi', dossier.agency.code),
    e('TenDonVi', text(dossier.agency.name)),
    e('HinhThucNop', String(dossier.channel)),
    `<ChuHoSo>${e('HoTen', text(dossier.applicant.name))}${e('LoaiDoiTuong', String(dossier.applicant.type))}${e('SoGiayTo', dossier.applicant.idNumber)}${e('LoaiGiayTo', dossier.applicant.idType)}${e('DienThoai', dossier.applicant.phone)}${e('Email', dossier.applicant.email)}${e('DiaChi', text(dossier.applicant.address))}</ChuHoSo>`,
    e('TrichYeu', escape(old ? encodeTcvn3(dossier.summary) : dossier.summary)),
    e('NgayNhan', date(dossier.receivedAt)),
    e('NgayHenTra', date(dossier.dueAt)),
    e('NgayXong', date(dossier.finishedAt)),
    e('NgayTra', date(dossier.returnedAt)),
    broken ? '' : e('TrangThai', String(landStatus(dossier, dossier.status))),
    `<QuaTrinh>${dossier.history
      .map(
        (step) =>
          `<Buoc>${e('NgayXuLy', date(step.at))}${e('CanBo', escape(step.actor))}${e('ChucVu', escape(step.title))}${e('PhongBan', escape(step.department))}${e('NoiDung', escape(step.content))}${e('TrangThai', String(landStatus(dossier, step.status)))}</Buoc>`,
      )
      .join('')}</QuaTrinh>`,
    `<LePhi>${dossier.fees.map((fee) => `<Khoan>${e('Ten', escape(fee.name))}${e('SoTien', String(fee.amount))}</Khoan>`).join('')}</LePhi>`,
    `<KetQua>${dossier.results.map((result) => `<GiayTo>${e('Ten', escape(result.name))}${e('SoHieu', escape(result.number))}${e('NgayKy', date(result.issuedAt))}${e('DuongDan', escape(result.url))}</GiayTo>`).join('')}</KetQua>`,
    dossier.interAgency === undefined
      ? ''
      : `${e('MaHoSoLienThong', escape(dossier.interAgency.reference))}<HoSoLienQuan>${dossier.interAgency.parts.map((part) => `<HoSo>${e('MaHoSo', part.code)}${e('MaDonVi', part.agencyCode)}</HoSo>`).join('')}</HoSoLienQuan>`,
    `<BoSung>${dossier.supplements.map((round) => `<Lan>${e('NgayYeuCau', date(round.requestedAt))}${e('HanCu', date(round.dueBefore))}${e('HanMoi', date(round.dueAfter))}${e('LyDo', escape(round.reason))}</Lan>`).join('')}</BoSung>`,
  ];
  return `<HoSo>${parts.join('')}</HoSo>`;
}
