import type { AgencyDirectory } from '../../domain/AgencyDirectory';
import { nationalStatus } from '../../domain/nationalStatuses';
import type { ReportJob } from './ReportJob';
import type { ReportResult } from './reportResult';
import { FORM_COLUMNS, FORM_GROUPS, STATUS_LABELS, date, dateTime, filteredBy } from './resultForm';

/**
 * The result form as CSV (RFC 4180: CRLF, fields quoted when needed): every row of the report's
 * table (tiers, agencies, their fields, fields across the scope, the total), one column per form
 * column, named with its number (`c07_resolved` is column (7)).
 */
export function reportCsv(job: ReportJob): string {
  const result = finished(job);
  const header = [
    'scope',
    'key',
    'agency_code',
    'field_code',
    'label',
    ...FORM_COLUMNS.map((c) => c.name),
    'lossy_status',
    'on_computed_calendar',
    'implausible',
    'due_on_day_off',
    'carry_over_undetermined',
  ];
  const rows = result.table.map((row) => [
    row.scope,
    row.key,
    row.agencyCode ?? '',
    row.fieldCode ?? '',
    row.label,
    ...FORM_COLUMNS.map((column) => String(column.value(row))),
    String(row.counts.lossyStatus),
    String(row.counts.onComputedCalendar),
    String(row.counts.implausible),
    String(row.counts.dueOnDayOff),
    String(row.counts.carryOverUndetermined),
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function finished(job: ReportJob): ReportResult {
  if (job.result === null) throw new TypeError('the report has no result yet');
  return job.result;
}

/**
 * One CSV cell: a text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at
 * the start — names come from upstream systems) gets a `'` in front; quoted when needed.
 */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * A report as one self-contained HTML page (inline CSS and SVG, nothing fetched) laid out as the
 * form is filed and printable on A4 landscape: the reporting unit and period, the result form,
 * the indicators with the counts behind every rate and the targets beside them, on-the-spot
 * processing by level, the method note, what could not be listed, and two charts. Vietnamese, with
 * English beneath; every name is escaped.
 */
export function reportHtml(job: ReportJob, directory: AgencyDirectory): string {
  const result = finished(job);
  const percent = (value: number | null) =>
    value === null ? '—' : `${(value * 100).toFixed(1).replace('.', ',')} %`;
  const number = (value: number) => value.toLocaleString('vi-VN');
  const units = job.spec.agencies.map((entry) => directory.get(entry)?.name ?? entry).join('; ');
  const statusBars = Object.entries(result.byStatus).map(([code, count]) => ({
    label:
      code === 'unmapped'
        ? 'Không rõ / unmapped'
        : `${code}. ${nationalStatus(Number(code) as never).label}`,
    value: count,
    text: String(count),
  }));
  const monthBars = result.months.map((month) => {
    const rate = month.resolved === 0 ? null : month.inTime / month.resolved;
    return { label: month.month, value: rate ?? 0, text: percent(rate) };
  });
  const groups = (['RECEIVED', 'RESOLVED', 'OPEN', 'ADDED'] as const).map((group) => ({
    group,
    columns: FORM_COLUMNS.filter((column) => column.group === group),
  }));
  const formRows = result.table
    .map((row, index) => {
      const cls = row.scope === 'AGENCY_FIELD' ? 'field' : row.scope === 'FIELD' ? 'field' : 'sum';
      return `<tr class="${cls}"><td class="n">${index + 1}</td><td>${escape(row.label)}${
        row.agencyCode !== null && row.scope === 'AGENCY'
          ? ` <span class="code">${escape(row.agencyCode)}</span>`
          : ''
      }</td>${FORM_COLUMNS.map((column) => `<td class="n">${number(column.value(row))}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const indicatorRows = result.indicators
    .map(
      (indicator) =>
        `<tr><td>${escape(indicator.id)}</td><td>${escape(indicator.name)}<div class="en">${escape(indicator.nameEn)}</div></td><td class="n">${
          indicator.numerator === null
            ? '—'
            : `${number(indicator.numerator)} / ${number(indicator.denominator ?? 0)}`
        }</td><td class="n">${
          indicator.value !== null
            ? `${String(indicator.value).replace('.', ',')} ${escape(indicator.unit ?? '')}`
            : percent(indicator.rate)
        }</td><td class="n">${indicator.fullScoreAt === null ? '—' : percent(indicator.fullScoreAt)}</td><td class="n">${
          indicator.points === null
            ? '—'
            : `${String(indicator.points).replace('.', ',')} / ${indicator.maxPoints}`
        }</td><td>${STATUS_LABELS[indicator.status]}</td><td class="note">${escape(indicator.note ?? '')}</td></tr>`,
    )
    .join('\n');
  const targetRows = result.onTheSpotTargets
    .map(
      (target) =>
        `<tr><td>${escape(target.label)}</td><td class="n">${target.onTheSpotProcedures} / ${target.frequentProcedures}</td><td class="n">${percent(target.rate)}</td><td class="n">${percent(target.target)}</td><td>${
          target.met === null ? '—' : target.met ? 'Đạt / met' : 'Chưa đạt / not met'
        }</td></tr>`,
    )
    .join('\n');
  const total = result.table.at(-1);
  const flags = total === undefined ? null : total.counts;
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Tình hình, kết quả giải quyết TTHC — ${escape(job.spec.agencies.join(', '))} — ${date(result.period.from)} – ${date(result.period.to)}</title>
<style>
@page{size:A4 landscape;margin:10mm}
body{font-family:'Times New Roman',Times,'Noto Serif',serif;color:#111;margin:16px;font-size:12px}
.head{display:grid;grid-template-columns:1fr 2fr 1fr;gap:12px;align-items:start}
.head .form{text-align:right;font-weight:bold}
h1{font-size:15px;text-align:center;margin:0}h2{font-size:13px;margin:18px 0 6px;break-after:avoid}
.period{text-align:center;font-weight:bold;margin:4px 0}
.en{color:#555;font-size:10px;font-weight:normal}
.meta{font-size:11px;margin:6px 0}
table{border-collapse:collapse;width:100%;font-size:10.5px}
th,td{border:1px solid #333;padding:2px 4px;vertical-align:top}
th{font-weight:bold;text-align:center}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.sum td{font-weight:bold}tr.field td:nth-child(2){padding-left:14px}
.code{color:#555;font-weight:normal;font-size:9.5px}
td.note{font-size:9.5px;color:#333}
thead{display:table-header-group}tr{break-inside:avoid}
svg text{font-size:11px;fill:#111}
.charts{break-before:page}
</style>
</head>
<body>
<div class="head"><div><b>Đơn vị báo cáo:</b> ${escape(units)}</div><div><h1>TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH</h1><div class="en" style="text-align:center">Administrative procedure dossiers: situation and results</div></div><div class="form">Biểu số II.06a/VPCP/KSTT<div class="en">(theo mẫu / after the form)</div></div></div>
<div class="period">Kỳ báo cáo: từ ngày ${date(result.period.from)} đến ngày ${date(result.period.to)}</div>
<div class="meta">Lập lúc / generated ${dateTime(job.finishedAt ?? new Date())} · Hồ sơ chưa giải quyết xét tại thời điểm / unresolved judged at ${dateTime(new Date(result.period.judgedAt))} · ${
    result.complete
      ? 'Đủ dữ liệu các đơn vị / every unit listed'
      : '<b>Thiếu dữ liệu một số đơn vị / some units not listed</b> (xem cuối báo cáo)'
  } · Đơn vị tính: số hồ sơ TTHC</div>
<table id="result-form">
<thead>
<tr><th rowspan="2">TT</th><th rowspan="2">Lĩnh vực, công việc giải quyết theo cấp<div class="en">field of work by level</div></th>${groups
    .map(
      ({ group, columns }) =>
        `<th colspan="${columns.length}">${escape(FORM_GROUPS[group].vi)}<div class="en">${escape(FORM_GROUPS[group].en)}</div></th>`,
    )
    .join('')}</tr>
<tr>${FORM_COLUMNS.map((column) => `<th>${escape(column.vi)}<div class="en">${escape(column.en)}</div></th>`).join('')}</tr>
<tr><th>(1)</th><th>(2)</th>${FORM_COLUMNS.map((column) => `<th>(${column.number})</th>`).join('')}</tr>
</thead>
<tbody>
${formRows}
</tbody>
</table>
<p class="meta">(3) = (4) + (5) + (6); (7) = (8) + (9) + (10); (11) = (12) + (13); (3) = (7) + (11) + (14) + (15) + (16). Cột (14)–(20) bổ sung ngoài biểu mẫu / columns (14)–(20) are added outside the form; (17), (18) không thuộc (3) / are not part of (3).</p>
<h2>Chỉ số theo Quyết định 766/QĐ-TTg <span class="en">Decision 766 indicators</span></h2>
<table id="indicators"><thead><tr><th>Số</th><th>Chỉ số / indicator</th><th>Tử số / mẫu số<div class="en">counts</div></th><th>Kết quả<div class="en">figure</div></th><th>Đạt điểm tối đa từ<div class="en">full score at</div></th><th>Điểm<div class="en">points</div></th><th>Trạng thái<div class="en">status</div></th><th>Ghi chú<div class="en">note</div></th></tr></thead><tbody>
${indicatorRows}
</tbody></table>
<h2>Giải quyết tại chỗ theo cấp <span class="en">On-the-spot processing by level</span></h2>
<p class="meta">Thủ tục thường xuyên phát sinh: có từ ${result.onTheSpotRule.minDossiers} hồ sơ đã giải quyết trong kỳ; được tính giải quyết tại chỗ khi từ ${percent(result.onTheSpotRule.share)} số hồ sơ đó giải quyết ngay trong ngày tiếp nhận. Hồ sơ giải quyết trong ngày: ${number(result.onTheSpot.onReceiptDay)} / ${number(result.onTheSpot.resolved)} (${percent(result.onTheSpot.rate)}).<br><span class="en">A procedure is frequently used with at least ${result.onTheSpotRule.minDossiers} dossiers resolved in the period, and counts as resolved on the spot when at least ${percent(result.onTheSpotRule.share)} of them were resolved on the day received.</span></p>
<table id="on-the-spot"><thead><tr><th>Cấp / level</th><th>Thủ tục tại chỗ / thường xuyên<div class="en">on the spot / frequent</div></th><th>Tỷ lệ<div class="en">rate</div></th><th>Chỉ tiêu<div class="en">target</div></th><th>Kết quả<div class="en">result</div></th></tr></thead><tbody>
${targetRows}
</tbody></table>
<h2>Phương pháp <span class="en">Method</span></h2>
<ul class="meta">
<li>Hồ sơ mới tiếp nhận: ngày tiếp nhận trong kỳ, trừ hồ sơ mới đăng ký (trạng thái 1) và không được tiếp nhận (3). Từ kỳ trước: tiếp nhận từ ngày ${result.period.carriedOverSince === null ? '—' : date(result.period.carriedOverSince)} đến trước kỳ, chưa giải quyết xong lúc đầu kỳ. <span class="en">Received: in the period, status 1 and 3 excluded. Carried over: received from ${result.period.carriedOverSince ?? '—'} to the period's start, unresolved at its start.</span></li>
<li>Đã giải quyết: trạng thái 9 hoặc 10 trước thời điểm xét; trước hạn khi kết thúc trước ngày hẹn trả, đúng hạn khi trong ngày hẹn trả và không muộn hơn giờ hẹn, quá hạn khi sau giờ hẹn${
    result.rules.lateFromSupplementRequests === null
      ? ''
      : ` hoặc khi yêu cầu bổ sung từ ${result.rules.lateFromSupplementRequests} lần`
  }; thời gian chờ bổ sung không tính. <span class="en">Resolved: status 9 or 10; early before the due day, on time on it by the due time, late after it; supplement waiting not counted.</span></li>
<li>Chỉ số 2.1: ${result.rules.onTimeDenominator === 'ALL_TO_RESOLVE' ? 'hồ sơ đã và đang giải quyết trong hạn / tổng số hồ sơ phải giải quyết' : 'hồ sơ giải quyết trước hạn và đúng hạn / hồ sơ đã giải quyết'}; hồ sơ rút, dừng ${result.rules.endedWithoutResult === 'AS_ENDED' ? 'tính là kết thúc' : 'không tính vào chỉ số, thống kê ở cột riêng'}.</li>
<li>Cơ sở: Thông tư 01/2020/TT-VPCP (biểu II.06a); Quyết định 766/QĐ-TTg và tài liệu mô tả công thức của Cổng Dịch vụ công quốc gia; Nghị định 118/2025/NĐ-CP. Chi tiết: docs/INDICATORS.md. <span class="en">Sources and every rule: docs/INDICATORS.md.</span></li>
${flags === null ? '' : `<li>Cảnh báo dữ liệu / data flags: trạng thái không chắc chắn (lossy/unmapped) ${number(flags.lossyStatus)}; không xác định được kết quả ${number(flags.unknown)}; không rõ kênh ${number(flags.receivedChannelUnknown)}; xét theo lịch nghỉ tự tính (năm chưa công bố) ${number(flags.onComputedCalendar)}; dữ liệu tự mâu thuẫn (ngày kết thúc và quá trình xử lý lệch nhau, ngày trước ngày tiếp nhận) ${number(flags.implausible)}; hạn trả vào ngày nghỉ ${number(flags.dueOnDayOff)}; tiếp nhận trước kỳ, không xác định được còn tồn đầu kỳ hay không (không tính vào cột 6) ${number(flags.carryOverUndetermined)}. <span class="en">Lossy or unmapped status; outcome cannot be told; channel not told; judged on a computed calendar; self-contradicting data; due on a day off; received before the period, open at its start or not cannot be told (not in column 6).</span></li>`}
</ul>
<h2>Hệ thống nguồn <span class="en">Systems read</span></h2>
<table id="sources"><thead><tr><th>Hệ thống / system</th><th>Đơn vị / agencies</th><th>Lọc theo đơn vị / filtered by</th><th>Trang / pages</th><th>Hồ sơ / dossiers</th><th>Đọc lúc / read</th></tr></thead><tbody>
${result.sources
  .map(
    (source) =>
      `<tr><td>${escape(source.connector)}</td><td>${source.agencies.map((code) => escape(directory.get(code)?.name ?? code)).join('; ')}</td><td>${escape(filteredBy(source).vi)} <span class="en">${escape(filteredBy(source).en)}</span></td><td class="n">${source.pages}</td><td class="n">${number(source.dossiers)}</td><td>${dateTime(new Date(source.firstReadAt))} – ${dateTime(new Date(source.lastReadAt))}</td></tr>`,
  )
  .join('\n')}
</tbody></table>
${job.problems.length === 0 ? '' : `<h2>Không lấy được dữ liệu <span class="en">Not listed</span></h2><ul class="meta">${job.problems.map((p) => `<li>${escape(p)}</li>`).join('')}</ul>`}
<h2>Hồ sơ quá hạn nhiều nhất <span class="en">Most overdue</span></h2>
<table id="overdue"><thead><tr><th>Mã hồ sơ / code</th><th>Đơn vị / agency</th><th>Tình trạng / state</th><th>Quá hạn (giờ làm việc)<div class="en">late (office hours)</div></th></tr></thead><tbody>
${result.overdue
  .slice(0, 20)
  .map(
    (item) =>
      `<tr><td>${escape(item.code)}</td><td>${escape(directory.get(item.agencyCode)?.name ?? item.agencyCode)}</td><td>${item.state === 'LATE' ? 'Đã giải quyết quá hạn' : 'Đang giải quyết quá hạn'}</td><td class="n">${String(item.lateByHours).replace('.', ',')}</td></tr>`,
  )
  .join('\n')}
</tbody></table>
<div class="charts">
<h2>Cơ cấu trạng thái <span class="en">Status mix</span></h2>
${bars(statusBars, 'status-mix')}
<h2>Tỷ lệ giải quyết đúng hạn theo tháng tiếp nhận <span class="en">Resolved in time, by month received</span></h2>
${bars(monthBars, 'on-time-trend', 1)}
</div>
</body>
</html>
`;
}

/** Horizontal bars as inline SVG; `max` fixes the scale (1 for rates), else the largest value. */
function bars(
  items: Array<{ label: string; value: number; text: string }>,
  id: string,
  max?: number,
): string {
  if (items.length === 0) return `<p class="en">—</p>`;
  const top = max ?? Math.max(...items.map((item) => item.value), 1);
  const rowHeight = 22;
  const labelWidth = 360;
  const barWidth = 520;
  const height = items.length * rowHeight + 8;
  const rows = items
    .map((item, index) => {
      const y = index * rowHeight + 4;
      const width = Math.max(1, Math.round((item.value / top) * barWidth));
      return `<text x="0" y="${y + 14}">${escape(truncate(item.label, 52))}</text><rect x="${labelWidth}" y="${y + 3}" width="${width}" height="14" fill="#0b3d91"/><text x="${labelWidth + width + 6}" y="${y + 14}">${escape(item.text)}</text>`;
    })
    .join('');
  return `<svg id="${id}" role="img" width="${labelWidth + barWidth + 80}" height="${height}" xmlns="http://www.w3.org/2000/svg">${rows}</svg>`;
}

function truncate(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

function escape(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
