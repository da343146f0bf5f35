import type { PubSub } from 'graphql-subscriptions';

/** Topic of the in-process fan-out of dossier changes (fed by the DossierEvents bus). */
export const DOSSIER_CHANGED = 'DOSSIER_CHANGED';

export interface DossierChangedPayload {
  code: string;
  connectorId: string;
  changedAt: string;
}

/** The in-process fan-out of one gateway (graphql-subscriptions' PubSub), in its context. */
export type DossierChangeFeed = PubSub<Record<typeof DOSSIER_CHANGED, DossierChangedPayload>>;
