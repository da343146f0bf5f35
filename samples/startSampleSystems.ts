import { join } from 'node:path';
import { startLandSoap, type RunningLandSoap } from './land-soap/startLandSoap';
import {
  startMinistryNational,
  type RunningMinistryNational,
} from './ministry-national/startMinistryNational';
import {
  startProvincialRest,
  type RunningProvincialRest,
} from './provincial-rest/startProvincialRest';
import {
  startMergedPlatform,
  type RunningMergedPlatform,
} from './merged-platform/startMergedPlatform';
import { startSyncReceiver, type RunningSyncReceiver } from './sync-receiver/startSyncReceiver';

/** Credentials of the sample systems; the registration files read them from the environment. */
export const SAMPLE_CREDENTIALS = {
  SAMPLE_REST_API_KEY: 'thanhhoa-demo-key',
  SAMPLE_MINISTRY_CLIENT_ID: 'dvc-gateway',
  SAMPLE_MINISTRY_CLIENT_SECRET: 'bo-noi-vu-demo-secret',
  SAMPLE_LAND_USER: 'lgsp-gateway',
  SAMPLE_LAND_PASSWORD: 'datdai-demo-password',
  /** Status-push secrets, shared with the gateway's registrations (`push.secret`). */
  SAMPLE_REST_PUSH_SECRET: 'thanhhoa-push-demo-secret',
  SAMPLE_MINISTRY_PUSH_SECRET: 'bo-noi-vu-push-demo-secret',
  /** What the sample sync receiver asks of the gateway's sync bridge (`SYNC_SINK_*`). */
  SAMPLE_SYNC_API_KEY: 'dvcqg-sync-demo-key',
  SAMPLE_SYNC_HMAC_SECRET: 'dvcqg-sync-demo-hmac-secret',
  /** The merged province's platform (samples/merged-platform): a key in the query, a client id header. */
  SAMPLE_MERGED_API_KEY: 'tuyenquang-demo-key',
  SAMPLE_MERGED_CLIENT_ID: 'dvc-gateway-tq',
} as const;

export interface SampleSystemsOptions {
  /** About how many dossiers each system holds. Default 3000. */
  size?: number;
  seed?: number;
  /** Ports; 0 (default) picks free ones. */
  /** Where the systems listen. Default loopback; a container gives 0.0.0.0. */
  host?: string;
  restPort?: number;
  ministryPort?: number;
  landPort?: number;
  /** The sample sync receiver's port. */
  syncPort?: number;
  /** The merged province's platform's port. */
  mergedPort?: number;
  directoryFile?: string;
  tokenTtlSeconds?: number;
}

export interface SampleSystems {
  provincial: RunningProvincialRest;
  ministry: RunningMinistryNational;
  land: RunningLandSoap;
  /**
   * The one-stop platform of a province formed by the 2025 merger (Tuyên Quang absorbing Hà
   * Giang; illustrative codes H60, H47), with every quirk of issue 22 (registration
   * examples/registrations/tuyen-quang-motcua.yaml).
   */
  merged: RunningMergedPlatform;
  /** The sample receiver of the sync bridge (the portal's sync API). */
  receiver: RunningSyncReceiver;
  /**
   * The sync bridge's settings that point it at the sample receiver (`SYNC_SINK_URL`, its API key
   * and HMAC secret), for the embedded default and tests.
   */
  syncVariables: Record<string, string>;
  /** Variables the sample registration files refer to (`${SAMPLE_REST_URL}` …). */
  variables: Record<string, string>;
  /**
   * Makes the provincial and ministry systems push their status changes to a gateway's hooks
   * (`<gateway>/hooks/thanh-hoa-motcua`, `<gateway>/hooks/bo-noi-vu-dvc`).
   */
  connectGateway(gatewayUrl: string): void;
  close(): Promise<void>;
}

export const DEFAULT_DIRECTORY_FILE = join(__dirname, '..', 'data', 'agencies.sample.yaml');

/** Starts the four sample systems, and the sample sync receiver, on loopback. */
export async function startSampleSystems(
  options: SampleSystemsOptions = {},
): Promise<SampleSystems> {
  const size = options.size ?? 3000;
  const seed = options.seed ?? 2025;
  const directoryFile = options.directoryFile ?? DEFAULT_DIRECTORY_FILE;
  const provincial = await startProvincialRest({
    port: options.restPort ?? 0,
    ...(options.host === undefined ? {} : { host: options.host }),
    apiKey: SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY,
    size,
    seed,
    directoryFile,
    maxBulk: 50,
  });
  const ministry = await startMinistryNational({
    port: options.ministryPort ?? 0,
    ...(options.host === undefined ? {} : { host: options.host }),
    clientId: SAMPLE_CREDENTIALS.SAMPLE_MINISTRY_CLIENT_ID,
    clientSecret: SAMPLE_CREDENTIALS.SAMPLE_MINISTRY_CLIENT_SECRET,
    size,
    seed,
    directoryFile,
    tokenTtlSeconds: options.tokenTtlSeconds ?? 300,
    maxBulk: 100,
  });
  const land = await startLandSoap({
    port: options.landPort ?? 0,
    ...(options.host === undefined ? {} : { host: options.host }),
    username: SAMPLE_CREDENTIALS.SAMPLE_LAND_USER,
    password: SAMPLE_CREDENTIALS.SAMPLE_LAND_PASSWORD,
    size,
    seed,
    directoryFile,
    maxBulk: 20,
  });
  const merged = await startMergedPlatform({
    port: options.mergedPort ?? 0,
    ...(options.host === undefined ? {} : { host: options.host }),
    apiKey: SAMPLE_CREDENTIALS.SAMPLE_MERGED_API_KEY,
    clientId: SAMPLE_CREDENTIALS.SAMPLE_MERGED_CLIENT_ID,
    size,
    seed,
    directoryFile,
  });
  const receiver = await startSyncReceiver({
    port: options.syncPort ?? 0,
    ...(options.host === undefined ? {} : { host: options.host }),
    apiKey: SAMPLE_CREDENTIALS.SAMPLE_SYNC_API_KEY,
    hmacSecret: SAMPLE_CREDENTIALS.SAMPLE_SYNC_HMAC_SECRET,
  });
  return {
    provincial,
    ministry,
    land,
    merged,
    receiver,
    syncVariables: {
      SYNC_SINK_URL: receiver.syncUrl,
      SYNC_SINK_AUTH: 'apiKey',
      SYNC_SINK_API_KEY: SAMPLE_CREDENTIALS.SAMPLE_SYNC_API_KEY,
      SYNC_SINK_HMAC_SECRET: SAMPLE_CREDENTIALS.SAMPLE_SYNC_HMAC_SECRET,
    },
    variables: {
      ...SAMPLE_CREDENTIALS,
      SAMPLE_REST_URL: provincial.url,
      SAMPLE_MINISTRY_URL: ministry.url,
      SAMPLE_LAND_URL: land.url,
      SAMPLE_MERGED_URL: merged.url,
      SAMPLE_SYNC_URL: receiver.syncUrl,
    },
    connectGateway: (gatewayUrl) => {
      const base = gatewayUrl.replace(/\/+$/, '');
      provincial.push.target = {
        url: `${base}/hooks/thanh-hoa-motcua`,
        secret: SAMPLE_CREDENTIALS.SAMPLE_REST_PUSH_SECRET,
      };
      ministry.push.target = {
        url: `${base}/hooks/bo-noi-vu-dvc`,
        secret: SAMPLE_CREDENTIALS.SAMPLE_MINISTRY_PUSH_SECRET,
      };
    },
    close: async () => {
      await Promise.all([
        provincial.close(),
        ministry.close(),
        land.close(),
        merged.close(),
        receiver.close(),
      ]);
    },
  };
}
