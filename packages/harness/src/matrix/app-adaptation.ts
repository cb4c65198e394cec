import { randomBytes } from "node:crypto";
import { detectDjangoProject } from "../scaffold/detect-django-project.ts";

/**
 * What the templates' files carry for an app once `dockerize-python new` has adapted them, and
 * which the matrix's staged copy (the templates' files as they are) lacks: the app's environment in
 * the stack and compose project, and the build args of its proxy.
 */
export interface AppAdaptation {
  appEnv: Record<string, string>;
  proxyBuildArgs: Record<string, string>;
}

/**
 * For a Django project (manage.py): its WSGI target; a secret key, new for each run (its settings
 * refuse to start without one; a user's app has its own in .env); and its STATIC_ROOT in the
 * image, from which the proxy copies the collected static files. Nothing for any other app: the
 * templates' defaults fit the Flask sample app.
 */
export async function appAdaptation(appDir: string): Promise<AppAdaptation> {
  const django = await detectDjangoProject(appDir);
  if (!django) return { appEnv: {}, proxyBuildArgs: {} };
  return {
    appEnv: { WSGI_APP: django.wsgiApp, SECRET_KEY: randomBytes(40).toString("base64url") },
    proxyBuildArgs: django.staticRoot ? { STATIC_ROOT: `/app/${django.staticRoot}` } : {},
  };
}
