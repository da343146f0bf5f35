import ExcelJS from 'exceljs';
import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import type { ReportJob } from './ReportJob';
import type { ReportResult } from './reportResult';
import { FORM_COLUMNS, FORM_GROUPS, STATUS_LABELS, date, dateTime, filteredBy } from './resultForm';

/**
 * The report as an Excel workbook in the form's layout (exceljs): sheet "Biểu II.06a" — the unit,
 * the period, the title, the grouped column headings and their numbers (1)–(20), one row per row of
 * the table; sheet "Chỉ số 766" — every indicator with its counts, figure, target and points, or
 * why it has none; sheet "Phương pháp" — the rules used, the data flags and what could not be
 * listed. Text from upstream systems is written as text cells, never as formulas.
 */
export async function reportWorkbook(job: ReportJob, directory: AgencyDirectory): Promise<Buffer> {
  if (job.result === null) throw new TypeError('the report has no result yet');
  const result = job.result;
  const book = new ExcelJS.Workbook();
  book.creator = 'dvc-gateway';
  book.created = job.finishedAt ?? new Date();
  formSheet(book, job, result, directory);
  indicatorSheet(book, result);
  methodSheet(book, job, result);
  return Buffer.from(await book.xlsx.writeBuffer());
}

const THIN = { style: 'thin' as const };
const BORDER = { top: THIN, left: THIN, bottom: THIN, right: THIN };

function formSheet(
  book: ExcelJS.Workbook,
  job: ReportJob,
  result: ReportResult,
  directory: AgencyDirectory,
): void {
  const sheet = book.addWorksheet('Biểu II.06a', {
    pageSetup: {
      paperSize: 9,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
    },
    views: [{ state: 'frozen', ySplit: 8, xSplit: 2 }],
  });
  const last = 2 + FORM_COLUMNS.length;
  const units = job.spec.agencies.map((entry) => directory.get(entry)?.name ?? entry).join('; ');
  sheet.getCell(1, 1).value = `Đơn vị báo cáo: ${units}`;
  sheet.getCell(1, last).value = 'Biểu số II.06a/VPCP/KSTT';
  sheet.getCell(1, last).alignment = { horizontal: 'right' };
  sheet.mergeCells(2, 1, 2, last);
  sheet.getCell(2, 1).value = 'TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH';
  sheet.mergeCells(3, 1, 3, last);
  sheet.getCell(3, 1).value =
    `Kỳ báo cáo: từ ngày ${date(result.period.from)} đến ngày ${date(result.period.to)}`;
  sheet.mergeCells(4, 1, 4, last);
  sheet.getCell(4, 1).value =
    `Lập lúc ${dateTime(job.finishedAt ?? new Date())}; hồ sơ chưa giải quyết xét tại ${dateTime(new Date(result.period.judgedAt))}; đơn vị tính: số hồ sơ TTHC${result.complete ? '' : '; THIẾU DỮ LIỆU MỘT SỐ ĐƠN VỊ (xem trang Phương pháp)'}`;
  for (const row of [2, 3, 4]) {
    sheet.getCell(row, 1).alignment = { horizontal: 'center' };
    sheet.getCell(row, 1).font = { bold: row !== 4, size: row === 2 ? 14 : 11 };
  }
  // Headings: groups (row 6), columns (row 7), numbers (row 8).
  sheet.mergeCells(6, 1, 7, 1);
  sheet.getCell(6, 1).value = 'TT';
  sheet.mergeCells(6, 2, 7, 2);
  sheet.getCell(6, 2).value = 'Lĩnh vực, công việc giải quyết theo cấp';
  let column = 3;
  for (const group of ['RECEIVED', 'RESOLVED', 'OPEN', 'ADDED'] as const) {
    const width = FORM_COLUMNS.filter((c) => c.group === group).length;
    sheet.mergeCells(6, column, 6, column + width - 1);
    sheet.getCell(6, column).value = FORM_GROUPS[group].vi;
    column += width;
  }
  FORM_COLUMNS.forEach((formColumn, index) => {
    sheet.getCell(7, 3 + index).value = formColumn.vi;
    sheet.getCell(8, 3 + index).value = `(${formColumn.number})`;
  });
  sheet.getCell(8, 1).value = '(1)';
  sheet.getCell(8, 2).value = '(2)';
  for (let row = 6; row <= 8; row += 1)
    for (let c = 1; c <= last; c += 1) {
      const cell = sheet.getCell(row, c);
      cell.font = { bold: true };
      cell.alignment = { horizontal: 'center', vertical: 'middle', wrapText: true };
      cell.border = BORDER;
    }
  result.table.forEach((tableRow, index) => {
    const values = [index + 1, tableRow.label, ...FORM_COLUMNS.map((c) => c.value(tableRow))];
    const row = sheet.addRow(values);
    row.eachCell({ includeEmpty: true }, (cell) => {
      cell.border = BORDER;
    });
    const summed = tableRow.scope !== 'AGENCY_FIELD' && tableRow.scope !== 'FIELD';
    row.font = { bold: summed };
    row.getCell(2).alignment = { indent: summed ? 0 : 1, wrapText: true };
  });
  sheet.getColumn(1).width = 5;
  sheet.getColumn(2).width = 42;
  for (let c = 3; c <= last; c += 1) sheet.getColumn(c).width = 11;
  sheet.getRow(7).height = 45;
  sheet.addRow([]);
  sheet.addRow([
    '',
    '(3) = (4) + (5) + (6); (7) = (8) + (9) + (10); (11) = (12) + (13); (3) = (7) + (11) + (14) + (15) + (16). Cột (14)–(20) bổ sung ngoài biểu mẫu; (17), (18) không thuộc (3).',
  ]);
}

function indicatorSheet(book: ExcelJS.Workbook, result: ReportResult): void {
  const sheet = book.addWorksheet('Chỉ số 766');
  sheet.columns = [
    { header: 'Số', key: 'id', width: 6 },
    { header: 'Chỉ số (Quyết định 766/QĐ-TTg)', key: 'name', width: 48 },
    { header: 'Tử số', key: 'numerator', width: 10 },
    { header: 'Mẫu số', key: 'denominator', width: 10 },
    { header: 'Kết quả', key: 'figure', width: 12 },
    { header: 'Đạt điểm tối đa từ', key: 'fullScoreAt', width: 12 },
    { header: 'Điểm', key: 'points', width: 8 },
    { header: 'Điểm tối đa', key: 'maxPoints', width: 10 },
    { header: 'Trạng thái', key: 'status', width: 16 },
    { header: 'Ghi chú', key: 'note', width: 80 },
  ];
  for (const indicator of result.indicators) {
    const row = sheet.addRow({
      id: indicator.id,
      name: indicator.name,
      numerator: indicator.numerator,
      denominator: indicator.denominator,
      figure: indicator.value ?? indicator.rate,
      fullScoreAt: indicator.fullScoreAt,
      points: indicator.points,
      maxPoints: indicator.maxPoints,
      status: STATUS_LABELS[indicator.status],
      note: indicator.note ?? '',
    });
    // A rate is a percentage; 2.2 is a number of working days.
    row.getCell('figure').numFmt = indicator.value === null ? '0.0%' : '0.00';
    row.getCell('fullScoreAt').numFmt = '0%';
  }
  sheet.getRow(1).font = { bold: true };
  sheet.addRow([]);
  sheet.addRow([
    '',
    'Giải quyết tại chỗ theo cấp (thủ tục tại chỗ / thủ tục thường xuyên phát sinh)',
  ]);
  for (const target of result.onTheSpotTargets)
    sheet.addRow({
      name: target.label,
      numerator: target.onTheSpotProcedures,
      denominator: target.frequentProcedures,
      figure: target.rate,
      fullScoreAt: target.target,
      status: target.met === null ? '—' : target.met ? 'Đạt' : 'Chưa đạt',
    });
}

function methodSheet(book: ExcelJS.Workbook, job: ReportJob, result: ReportResult): void {
  const sheet = book.addWorksheet('Phương pháp');
  sheet.getColumn(1).width = 40;
  sheet.getColumn(2).width = 100;
  const total = result.table.at(-1)?.counts;
  const lines: Array<[string, string | number]> = [
    ['Kỳ báo cáo', `${date(result.period.from)} – ${date(result.period.to)}`],
    ['Hồ sơ chưa giải quyết xét tại', dateTime(new Date(result.period.judgedAt))],
    [
      'Tìm hồ sơ kỳ trước chuyển qua từ ngày',
      result.period.carriedOverSince === null ? '—' : date(result.period.carriedOverSince),
    ],
    ['Chỉ số 2.1', result.rules.onTimeDenominator],
    ['Hồ sơ rút, dừng trong 2.1', result.rules.endedWithoutResult],
    ['Yêu cầu bổ sung từ lần thứ … tính quá hạn', result.rules.lateFromSupplementRequests ?? '—'],
    [
      'Giải quyết tại chỗ',
      `thủ tục có từ ${result.onTheSpotRule.minDossiers} hồ sơ đã giải quyết; từ ${Math.round(result.onTheSpotRule.share * 100)} % giải quyết trong ngày tiếp nhận`,
    ],
    ['Trạng thái không chắc chắn (lossy, chưa ánh xạ)', total?.lossyStatus ?? 0],
    ['Không xác định được kết quả', total?.unknown ?? 0],
    ['Xét theo lịch nghỉ tự tính', total?.onComputedCalendar ?? 0],
    ['Dữ liệu tự mâu thuẫn', total?.implausible ?? 0],
    ['Hạn trả vào ngày nghỉ', total?.dueOnDayOff ?? 0],
    ['Tiếp nhận trước kỳ, không xác định còn tồn đầu kỳ', total?.carryOverUndetermined ?? 0],
    ['Cơ sở', 'Thông tư 01/2020/TT-VPCP (biểu II.06a); Quyết định 766/QĐ-TTg; docs/INDICATORS.md'],
  ];
  for (const line of lines) sheet.addRow(line);
  sheet.addRow([]);
  sheet.addRow(['Hệ thống nguồn', 'đơn vị; lọc theo đơn vị; số trang; số hồ sơ; đọc lúc']).font = {
    bold: true,
  };
  for (const source of result.sources)
    sheet.addRow([
      source.connector,
      `${source.agencies.join(', ')}; ${filteredBy(source).vi}; ${source.pages} trang; ${source.dossiers} hồ sơ; ${dateTime(new Date(source.firstReadAt))} – ${dateTime(new Date(source.lastReadAt))}`,
    ]);
  if (job.problems.length > 0) {
    sheet.addRow([]);
    sheet.addRow(['Không lấy được dữ liệu']).font = { bold: true };
    for (const problem of job.problems) sheet.addRow(['', problem]);
  }
}
