import type { ServerResponse } from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import { DateTime } from 'luxon';
import { SampleDataset } from '../generator/SampleDataset';
import { catalogueEntries, type SampleCatalogueEntry } from '../generator/catalogue';
import { LAND_PROCEDURES } from '../generator/vocabulary';
import {
  applyFaults,
  handleControl,
  emptyStats,
  listen,
  noFaults,
  type RunningSample,
} from '../sampleHttp';
import { renderLand } from './renderLand';

export interface LandSoapOptions {
  port: number;
  host?: string;
  username: string;
  password: string;
  size: number;
  seed: number;
  directoryFile: string;
  /** Most codes per TraCuuHoSo call; more get a Client fault. Default 20. */
  maxBulk: number;
}

export interface RunningLandSoap extends RunningSample {
  dataset: SampleDataset;
}

const NS = 'http://motcua.thanhhoa.gov.vn/datdai';
const parser = new XMLParser({ removeNSPrefix: true, parseTagValue: false });

const envelope = (body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>${body}</soap:Body></soap:Envelope>`;

const fault = (code: 'Client' | 'Server', text: string, error: string) =>
  envelope(
    `<soap:Fault><faultcode>soap:${code}</faultcode><faultstring>${text}</faultstring><detail><Loi xmlns="${NS}"><MaLoi>${error}</MaLoi></Loi></detail></soap:Fault>`,
  );

/**
 * Sample system 3: Thanh Hóa's land registration system behind a SOAP 1.1 endpoint, as an
 * ASP.NET web service on the provincial integration platform would be. HTTP basic auth, checked.
 *
 *   POST /ws/DatDai.asmx  SOAPAction "http://motcua.thanhhoa.gov.vn/datdai/LayHoSo"     one dossier or a Client fault HOSO_KHONG_TON_TAI
 *   POST /ws/DatDai.asmx  SOAPAction "http://motcua.thanhhoa.gov.vn/datdai/TraCuuHoSo"  up to 20 dossiers
 *   POST /ws/DatDai.asmx  SOAPAction "http://motcua.thanhhoa.gov.vn/datdai/LayDanhSachHoSo"  every unit's dossiers received from TuNgay to DenNgay (dd/MM/yyyy), a page
 *   POST /ws/DatDai.asmx  SOAPAction "http://motcua.thanhhoa.gov.vn/datdai/LayDanhMucThuTuc"  the procedure catalogue, a page
 */
export async function startLandSoap(options: LandSoapOptions): Promise<RunningLandSoap> {
  const stats = emptyStats();
  const faults = noFaults();
  const dataset = landDataset(options);
  // Local variants of the land procedures, and the national record of the first-registration
  // procedure, which the provincial system also publishes (the gateway merges the two).
  const office = { code: '000.01.12.H56', name: 'Văn phòng Đăng ký đất đai tỉnh Thanh Hóa' };
  const catalogue = [
    ...catalogueEntries(LAND_PROCEDURES, '.000.00.12.H56', office),
    ...catalogueEntries(
      LAND_PROCEDURES.filter((p) => p.code === '1.004227'),
      '',
      office,
    ),
  ];
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  const send = (res: ServerResponse, status: number, xml: string) => {
    res.writeHead(status, {
      'Content-Type': 'text/xml; charset=utf-8',
      'Content-Length': Buffer.byteLength(xml),
    });
    res.end(xml);
  };
  const record = (code: string) => {
    const dossier = dataset.get(code);
    return dossier === undefined ? undefined : renderLand(dossier, faults.brokenCodes.has(code));
  };

  const running = await listen(
    async (req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://sample');
      // The land system does not push: its changes reach lookups when cached answers expire.
      const control = { stats, faults, dataset, push: { target: null }, pushBody: null };
      if (await handleControl(req, res, body, url.pathname, control)) return;
      if (req.headers.authorization !== expected) {
        stats.rejectedAuth += 1;
        res.writeHead(401, {
          'WWW-Authenticate': 'Basic realm="LGSP"',
          'Content-Type': 'text/plain',
        });
        res.end('401 Unauthorized');
        return;
      }
      if (req.method !== 'POST' || url.pathname !== '/ws/DatDai.asmx')
        return send(res, 404, '<html><body>404</body></html>');
      const serverFault = (r: ServerResponse) =>
        send(r, 500, fault('Server', 'Lỗi hệ thống khi đọc cơ sở dữ liệu', 'LOI_HE_THONG'));
      if (await applyFaults(res, faults, stats, serverFault)) return;
      const action = String(req.headers.soapaction ?? '').replace(/"/g, '');
      let request: LandRequest | undefined;
      try {
        request = (parser.parse(body) as { Envelope?: { Body?: LandRequest } }).Envelope?.Body;
      } catch {
        return send(res, 500, fault('Client', 'Yêu cầu không hợp lệ', 'YEU_CAU_KHONG_HOP_LE'));
      }
      if (action === `${NS}/LayHoSo`) {
        stats.singleCalls += 1;
        stats.codesRequested += 1;
        const found = record(String(request?.LayHoSo?.MaHoSo ?? ''));
        return found === undefined
          ? send(res, 500, fault('Client', 'Không tìm thấy hồ sơ', 'HOSO_KHONG_TON_TAI'))
          : send(
              res,
              200,
              envelope(
                `<LayHoSoResponse xmlns="${NS}"><LayHoSoResult>${found}</LayHoSoResult></LayHoSoResponse>`,
              ),
            );
      }
      if (action === `${NS}/TraCuuHoSo`) {
        const list = request?.TraCuuHoSo?.DanhSachMaHoSo?.string;
        const codes: string[] = list === undefined ? [] : [list].flat().map(String);
        if (codes.length > options.maxBulk)
          return send(
            res,
            500,
            fault('Client', `Tối đa ${options.maxBulk} mã hồ sơ`, 'QUA_SO_LUONG'),
          );
        stats.bulkCalls += 1;
        stats.codesRequested += codes.length;
        const found = codes
          .map(record)
          .filter((item) => item !== undefined)
          .join('');
        return send(
          res,
          200,
          envelope(
            `<TraCuuHoSoResponse xmlns="${NS}"><TraCuuHoSoResult>${found}</TraCuuHoSoResult></TraCuuHoSoResponse>`,
          ),
        );
      }
      // The dossiers received in a period (LayDanhSachHoSo: TuNgay, DenNgay as dd/MM/yyyy, both
      // included; TrangSo, SoBanGhi), with the total. It has no unit parameter: it lists every
      // unit's dossiers, each naming its own unit (MaDonVi), as some provincial systems' listings do.
      if (action === `${NS}/LayDanhSachHoSo`) {
        const ask = request?.LayDanhSachHoSo ?? {};
        const from = isoOf(String(ask.TuNgay ?? ''));
        const to = isoOf(String(ask.DenNgay ?? ''));
        if (from === null || to === null)
          return send(
            res,
            500,
            fault('Client', 'TuNgay, DenNgay phải là dd/MM/yyyy', 'NGAY_KHONG_HOP_LE'),
          );
        const page = Math.max(1, Number(ask.TrangSo ?? 1));
        const size = Math.min(200, Math.max(1, Number(ask.SoBanGhi ?? 50)));
        stats.listPages += 1;
        const { total, dossiers } = dataset.listReceived(null, from, to, (page - 1) * size, size);
        const items = dossiers.map((dossier) => renderLand(dossier, false)).join('');
        return send(
          res,
          200,
          envelope(
            `<LayDanhSachHoSoResponse xmlns="${NS}"><LayDanhSachHoSoResult><TongSo>${total}</TongSo>${items}</LayDanhSachHoSoResult></LayDanhSachHoSoResponse>`,
          ),
        );
      }
      if (action === `${NS}/LayDanhMucThuTuc`) {
        stats.cataloguePages += 1;
        const page = Math.max(1, Number(request?.LayDanhMucThuTuc?.TrangSo ?? 1));
        const size = Math.min(100, Math.max(1, Number(request?.LayDanhMucThuTuc?.SoBanGhi ?? 20)));
        const items = catalogue
          .slice((page - 1) * size, page * size)
          .map(renderLandProcedure)
          .join('');
        return send(
          res,
          200,
          envelope(
            `<LayDanhMucThuTucResponse xmlns="${NS}"><LayDanhMucThuTucResult><TongSo>${catalogue.length}</TongSo>${items}</LayDanhMucThuTucResult></LayDanhMucThuTucResponse>`,
          ),
        );
      }
      return send(
        res,
        500,
        fault('Client', `Không có thao tác ${action}`, 'THAO_TAC_KHONG_TON_TAI'),
      );
    },
    options.port,
    stats,
    faults,
    undefined,
    options.host,
  );
  return { ...running, dataset };
}

interface LandRequest {
  LayDanhMucThuTuc?: { TrangSo?: unknown; SoBanGhi?: unknown };
  LayHoSo?: { MaHoSo?: unknown };
  TraCuuHoSo?: { DanhSachMaHoSo?: { string?: unknown } };
  LayDanhSachHoSo?: {
    TuNgay?: unknown;
    DenNgay?: unknown;
    TrangSo?: unknown;
    SoBanGhi?: unknown;
  };
}

/** A dd/MM/yyyy date as yyyy-MM-dd, or null when it is not one. */
function isoOf(value: string): string | null {
  const match = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(value);
  if (match === null) return null;
  const iso = `${match[3]}-${match[2]}-${match[1]}`;
  return DateTime.fromISO(iso).isValid ? iso : null;
}

/** The system's dossiers, without its server. */
export function landDataset(options: {
  size: number;
  seed: number;
  directoryFile: string;
}): SampleDataset {
  return new SampleDataset({
    system: 'land',
    holds: (code) => /\.1[12]\.H56$/.test(code),
    directoryFile: options.directoryFile,
    procedures: LAND_PROCEDURES,
    size: options.size,
    seed: options.seed + 2,
    places: [
      'thôn Trung Thành, xã Quảng Xương, tỉnh Thanh Hóa',
      'phường Hạc Thành, tỉnh Thanh Hóa',
      'xã Quảng Hòa Ninh, tỉnh Thanh Hóa',
    ],
    fileBaseUrl: 'https://datdai.thanhhoa.example/files',
  });
}

const xml = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A catalogue entry as the SOAP system writes it; some names decomposed (NFD), as its old data is. */
function renderLandProcedure(entry: SampleCatalogueEntry, index: number): string {
  const text = (value: string) => xml(index % 2 === 0 ? value.normalize('NFD') : value);
  return (
    `<ThuTuc><MaThuTuc>${entry.code}</MaThuTuc><TenThuTuc>${text(entry.name)}</TenThuTuc>` +
    `<MaLinhVuc>${entry.fieldCode}</MaLinhVuc><TenLinhVuc>${text(entry.fieldName)}</TenLinhVuc><MucDo>${text(entry.onlineLevel)}</MucDo>` +
    entry.agencies
      .map((a) => `<CoQuan><Ma>${a.code}</Ma><Ten>${text(a.name)}</Ten></CoQuan>`)
      .join('') +
    entry.channels
      .map(
        (c) =>
          `<CachThuc><Kenh>${c.channel}</Kenh><ThoiHan>${text(c.time)}</ThoiHan><SoNgay>${c.days}</SoNgay>${c.fees.map((f) => `<Phi><Ten>${xml(f.name)}</Ten><MucThu>${text(String(f.amount))}</MucThu></Phi>`).join('')}</CachThuc>`,
      )
      .join('') +
    entry.documents
      .map(
        (d) =>
          `<GiayTo><Ten>${xml(d.name)}</Ten>${d.formName === null ? '' : `<MauDon>${xml(d.formName)}</MauDon>`}${d.formUrl === null ? '' : `<DuongDan>${xml(d.formUrl)}</DuongDan>`}</GiayTo>`,
      )
      .join('') +
    entry.legalBases
      .map((l) => `<CanCu><So>${xml(l.number)}</So><Ten>${xml(l.title)}</Ten></CanCu>`)
      .join('') +
    `<TrangThai>${xml(entry.state)}</TrangThai></ThuTuc>`
  );
}
