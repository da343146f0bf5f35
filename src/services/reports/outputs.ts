import type { AgencyDirectory } from '../agencies/AgencyDirectory';
import { nationalStatus } from '../dossiers/nationalStatuses';
import type { ReportJob } from './ReportJob';

/** A report's indicators per agency as CSV (RFC 4180: CRLF, fields quoted when needed), with a total row. */
export function reportCsv(job: ReportJob, directory: AgencyDirectory): string {
  const result = job.result;
  if (result === null) throw new TypeError('the report has no result yet');
  const header = [
    'agency_code',
    'agency_name',
    'received',
    'judged',
    'on_time',
    'late',
    'on_time_rate',
    'online_rate',
  ];
  const rate = (value: number | null) => (value === null ? '' : value.toFixed(4));
  const rows = result.agencies.map((agency) => [
    agency.agencyCode,
    directory.get(agency.agencyCode)?.name ?? '',
    String(agency.received),
    String(agency.judged),
    String(agency.judged - agency.late),
    String(agency.late),
    rate(agency.onTimeRate),
    rate(agency.onlineRate),
  ]);
  rows.push([
    'TOTAL',
    '',
    String(result.received),
    String(result.onTime.judged),
    String(result.onTime.onTime),
    String(result.onTime.late),
    rate(result.onTime.rate),
    rate(result.online.rate),
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
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
 * A report as one self-contained HTML page (inline CSS and SVG, nothing fetched): the figures,
 * and three charts — status mix, on-time rate per month, agencies by overdue rate. Vietnamese, with
 * English beneath. Every name is escaped.
 */
export function reportHtml(job: ReportJob, directory: AgencyDirectory): string {
  const result = job.result;
  if (result === null) throw new TypeError('the report has no result yet');
  const percent = (value: number | null) =>
    value === null ? '—' : `${(value * 100).toFixed(1).replace('.', ',')} %`;
  const statusBars = Object.entries(result.byStatus).map(([code, count]) => ({
    label:
      code === 'unmapped'
        ? 'Không rõ / unmapped'
        : `${code}. ${nationalStatus(Number(code) as never).label}`,
    value: count,
    text: String(count),
  }));
  const months = result.months.filter((month) => month.month !== 'unknown');
  const monthBars = months.map((month) => ({
    label: month.month,
    value: month.rate ?? 0,
    text: percent(month.rate),
  }));
  const agencyBars = [...result.agencies]
    .filter((agency) => agency.overdueRate !== null)
    .sort((a, b) => (b.overdueRate ?? 0) - (a.overdueRate ?? 0))
    .slice(0, 15)
    .map((agency) => ({
      label: `${agency.agencyCode} ${directory.get(agency.agencyCode)?.name ?? ''}`,
      value: agency.overdueRate ?? 0,
      text: percent(agency.overdueRate),
    }));
  const scope = `${job.spec.agencies.join(', ')} · ${job.spec.from} → ${job.spec.to}`;
  return `<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Báo cáo chỉ số giải quyết TTHC — ${escape(scope)}</title>
<style>
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans',sans-serif;color:#1d2430;margin:24px;max-width:1100px}
h1{font-size:1.3rem;margin:0 0 4px}h2{font-size:1.05rem;margin:24px 0 8px}
.en{color:#5b6575;font-size:.85rem}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:12px;margin:16px 0}
.figure{border:1px solid #d9dee7;border-radius:8px;padding:10px 14px}
.figure b{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #d9dee7;padding:4px 6px;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
svg text{font-size:12px;fill:#1d2430}
</style>
</head>
<body>
<h1>Báo cáo chỉ số giải quyết thủ tục hành chính</h1>
<div class="en">Administrative procedure indicators · ${escape(scope)} · ${result.complete ? 'đủ dữ liệu / complete' : 'thiếu dữ liệu một số đơn vị / incomplete'}</div>
<div class="figures">
${figure('Hồ sơ tiếp nhận', 'Received', String(result.received))}
${figure('Đúng hạn (2.1)', 'On time', percent(result.onTime.rate))}
${figure('Trực tuyến (3.3)', 'Online', percent(result.online.rate))}
${figure('Giải quyết ngay trong ngày', 'On the spot', percent(result.onTheSpot.rate))}
${figure('Trễ hạn', 'Late', String(result.onTime.late))}
</div>
<h2>Cơ cấu trạng thái <span class="en">Status mix</span></h2>
${bars(statusBars, 'status-mix')}
<h2>Tỷ lệ đúng hạn theo tháng <span class="en">On-time rate by month received</span></h2>
${bars(monthBars, 'on-time-trend', 1)}
<h2>Đơn vị theo tỷ lệ trễ hạn <span class="en">Agencies by overdue rate</span></h2>
${bars(agencyBars, 'agencies-overdue', 1)}
<h2>Hồ sơ trễ hạn nhiều nhất <span class="en">Most overdue</span></h2>
<table><thead><tr><th>Mã hồ sơ / code</th><th>Đơn vị / agency</th><th class="n">Trễ (giờ làm việc) / late (office hours)</th></tr></thead><tbody>
${result.overdue
  .slice(0, 20)
  .map(
    (item) =>
      `<tr><td>${escape(item.code)}</td><td>${escape(item.agencyCode)}</td><td class="n">${item.lateByHours}</td></tr>`,
  )
  .join('\n')}
</tbody></table>
${job.problems.length === 0 ? '' : `<h2>Không lấy được dữ liệu <span class="en">Not listed</span></h2><ul>${job.problems.map((p) => `<li>${escape(p)}</li>`).join('')}</ul>`}
</body>
</html>
`;
}

function figure(vi: string, en: string, value: string): string {
  return `<div class="figure">${escape(vi)} <span class="en">${escape(en)}</span><b>${escape(value)}</b></div>`;
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
