import { parentPort } from 'node:worker_threads';
import { parseSoapResponse } from './parseSoapResponse';

/**
 * The worker thread of parseOffThread.ts: reads SOAP answers, one message each (`[id, text]`),
 * and answers `[id, SoapAnswer]`. parseSoapResponse never throws.
 */
parentPort?.on('message', ([id, text]: [number, string]) => {
  parentPort?.postMessage([id, parseSoapResponse(text)]);
});
