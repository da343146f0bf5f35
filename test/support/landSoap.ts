import { SAMPLE_CREDENTIALS } from '../../samples/startSampleSystems';

/** The sample land system's namespace (samples/land-soap). */
export const LAND_NS = 'http://motcua.thanhhoa.gov.vn/datdai';

/**
 * The answer text of the sample land system (at `landUrl`, SAMPLE_LAND_URL) to the SOAP 1.1
 * operation `action` with `body` in the envelope's Body, asked as its registration asks (basic
 * auth with the sample credentials).
 */
export async function callLandSoap(landUrl: string, action: string, body: string): Promise<string> {
  const response = await fetch(`${landUrl}/ws/DatDai.asmx`, {
    method: 'POST',
    headers: {
      'content-type': 'text/xml; charset=utf-8',
      soapaction: `"${LAND_NS}/${action}"`,
      authorization: `Basic ${Buffer.from(`${SAMPLE_CREDENTIALS.SAMPLE_LAND_USER}:${SAMPLE_CREDENTIALS.SAMPLE_LAND_PASSWORD}`).toString('base64')}`,
    },
    body: `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>${body}</soap:Body></soap:Envelope>`,
  });
  return response.text();
}
