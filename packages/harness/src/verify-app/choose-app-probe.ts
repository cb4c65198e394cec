import { ExplainedError } from "../explained-error.ts";
import { sampleAppProbe } from "../matrix/run-matrix.ts";
import type { AppProbe } from "../stack/app-probe.ts";
import type { AppEnvFile } from "./app-environment.ts";

/** HEALTHCHECK_URL in the app's env file is no URL: the image's own health check would fail on it too. */
export class InvalidHealthcheckUrlError extends ExplainedError {
  constructor(file: string, value: string) {
    super(
      `HEALTHCHECK_URL in ${file} is "${value}", which is not a URL: the image's health check asks it, and verify's checks ask its path.\n` +
        "Fix: set it to the URL of the app's health route inside the container (HEALTHCHECK_URL=http://127.0.0.1:8000/health), or pass verify --probe /path.",
    );
  }
}

export interface AppProbeChoices {
  /** What the user gave (`verify --probe /path --expect TEXT`). */
  given?: AppProbe;
  /** Whether the app has the sample app's routes (see hasSampleAppRoutes). */
  hasSampleAppRoutes: boolean;
  envFile?: AppEnvFile;
}

/**
 * How verify's checks know the app serves, first found: the probe the user gave; the sample app's
 * (its greeting at GET /) on an app with its routes; the path of HEALTHCHECK_URL in the app's env
 * file (the route its image's health check asks); else GET /. The last two count any answer
 * below 500, since what the app answers there is unknown.
 */
export function appProbe(choices: AppProbeChoices): AppProbe {
  if (choices.given) return choices.given;
  if (choices.hasSampleAppRoutes) return sampleAppProbe;
  const { envFile } = choices;
  const healthcheckUrl = envFile?.values.get("HEALTHCHECK_URL");
  if (envFile && healthcheckUrl) return { path: urlPath(healthcheckUrl, envFile.name), showsDatabaseVersion: false };
  return { path: "/", showsDatabaseVersion: false };
}

/** The path and query of `url`, as the checks ask it of the app's published port. */
function urlPath(url: string, file: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.pathname}${parsed.search}`;
  } catch {
    throw new InvalidHealthcheckUrlError(file, url);
  }
}
