import { createHash } from 'node:crypto';

/**
 * The partition of a dossier's changes: a hash of `<connector>:<code>`, so every change of one
 * dossier goes to one partition, and so is delivered in order.
 */
export function partitionOf(connectorId: string, code: string, partitions: number): number {
  const digest = createHash('sha1').update(`${connectorId}:${code}`, 'utf8').digest();
  return digest.readUInt32BE(0) % partitions;
}
