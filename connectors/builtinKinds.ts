import type { ConnectorKind } from './contract';
import { nationalSyncKind } from './national-sync/nationalSyncKind';
import { restJsonKind } from './rest-json/restJsonKind';
import { soapKind } from './soap/soapKind';

/** The connector kinds shipped with the gateway, by the name registrations use. */
export const BUILTIN_KINDS: ReadonlyMap<string, ConnectorKind<unknown>> = new Map(
  [restJsonKind, nationalSyncKind, soapKind].map((kind) => [
    kind.kind,
    kind as ConnectorKind<unknown>,
  ]),
);
