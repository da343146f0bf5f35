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

/** Credentials of the sample systems; the registration files read them from the environment. */
export const SAMPLE_CREDENTIALS = {
  SAMPLE_REST_API_KEY: 'thanhhoa-demo-key',
  SAMPLE_MINISTRY_CLIENT_ID: 'dvc-gateway',
  SAMPLE_MINISTRY_CLIENT_SECRET: 'bo-noi-vu-demo-secret',
  SAMPLE_LAND_USER: 'lgsp-gateway',
  SAMPLE_LAND_PASSWORD: 'datdai-demo-password',
} as const;

export interface SampleSystemsOptions {
  /** About how many dossiers each system holds. Default 3000. */
  size?: number;
  seed?: number;
  /** Ports; 0 (default) picks free ones. */
  restPort?: number;
  ministryPort?: number;
  landPort?: number;
  directoryFile?: string;
  tokenTtlSeconds?: number;
}

export interface SampleSystems {
  provincial: RunningProvincialRest;
  ministry: RunningMinistryNational;
  land: RunningLandSoap;
  /** Variables the sample registration files refer to (`${SAMPLE_REST_URL}` …). */
  variables: Record<string, string>;
  close(): Promise<void>;
}

export const DEFAULT_DIRECTORY_FILE = join(__dirname, '..', 'data', 'agencies.sample.yaml');

/** Starts the three sample systems on loopback. */
export async function startSampleSystems(
  options: SampleSystemsOptions = {},
): Promise<SampleSystems> {
  const size = options.size ?? 3000;
  const seed = options.seed ?? 2025;
  const directoryFile = options.directoryFile ?? DEFAULT_DIRECTORY_FILE;
  const provincial = await startProvincialRest({
    port: options.restPort ?? 0,
    apiKey: SAMPLE_CREDENTIALS.SAMPLE_REST_API_KEY,
    size,
    seed,
    directoryFile,
    maxBulk: 50,
  });
  const ministry = await startMinistryNational({
    port: options.ministryPort ?? 0,
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
    username: SAMPLE_CREDENTIALS.SAMPLE_LAND_USER,
    password: SAMPLE_CREDENTIALS.SAMPLE_LAND_PASSWORD,
    size,
    seed,
    directoryFile,
    maxBulk: 20,
  });
  return {
    provincial,
    ministry,
    land,
    variables: {
      ...SAMPLE_CREDENTIALS,
      SAMPLE_REST_URL: provincial.url,
      SAMPLE_MINISTRY_URL: ministry.url,
      SAMPLE_LAND_URL: land.url,
    },
    close: async () => {
      await Promise.all([provincial.close(), ministry.close(), land.close()]);
    },
  };
}
