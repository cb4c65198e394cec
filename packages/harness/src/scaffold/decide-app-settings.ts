import { ExplainedError } from "../explained-error.ts";
import type { DependencyStyle, TemplateManifest } from "../manifest/schema.ts";
import { dependencyFiles, NoDependencyFileError } from "../staging/dependency-files.ts";
import { type AppSettings, checkAppTarget } from "./app-settings.ts";
import { decideLayoutSettings, type LayoutFlags } from "./decide-layout-settings.ts";
import { detectDjangoProject } from "./detect-django-project.ts";
import { detectDependencyStyles } from "./detect-dependency-styles.ts";
import { detectAppKind } from "./detect-app-kind.ts";
import { conventionalAppTarget, detectWsgiApps, type TargetKind, targetKindOf } from "./detect-wsgi-apps.ts";

/** A question for a person, with the answers the app suggests. */
export interface Question {
  /** What is asked, in a sentence. */
  message: string;
  /** The suggested answers, the default first. */
  choices: string[];
  /** Whether an answer outside `choices` may be typed (a WSGI target may; a dependency style may not). */
  allowOther: boolean;
  /** Checks an answer typed outside `choices`: returns it, or throws an ExplainedError saying what is wrong. */
  check(answer: string): string;
}

/** Asks a person and resolves with the answer. Absent when no one can answer (not a terminal). */
export type Ask = (question: Question) => Promise<string>;

export interface DecideAppSettingsRequest extends LayoutFlags {
  appDir: string;
  /** The manifest of the template being copied. */
  manifest: TemplateManifest;
  /** Given with --dependency-style. */
  dependencyStyle?: DependencyStyle;
  /** Given with --app (or its older name, --wsgi-app). */
  wsgiApp?: string;
  ask?: Ask;
}

export interface DecidedAppSettings {
  settings: AppSettings;
  /** What was found and assumed, for the person to read (a default chosen for them, a missing lock). */
  notes: string[];
}

/** The app's files cannot be installed with the style asked for. */
export class DependencyStyleNotFoundError extends ExplainedError {
  constructor(style: DependencyStyle, appDir: string, reason: string) {
    super(`--dependency-style ${style}, but the app in ${appDir} ${reason}.\nFix: add it, or pass the style of the files the app has (or leave --dependency-style out to detect it).`);
  }
}

/** The template does not support the style asked for. */
export class UnsupportedDependencyStyleError extends ExplainedError {
  constructor(style: DependencyStyle, template: string, supported: readonly DependencyStyle[]) {
    super(`The ${template} template does not support the ${style} dependency style; it supports ${supported.join(", ")}.\nFix: pass --dependency-style with one of those, or choose another template.`);
  }
}

/** No one can be asked for the WSGI target, there is no conventional one, and the code suggests none or several. */
export class WsgiAppNotFoundError extends ExplainedError {
  constructor(appDir: string, candidates: readonly string[], conventional = conventionalAppTarget("wsgi")) {
    const found = candidates.length ? `Its code suggests ${candidates.join(", ")}.` : "Its code suggests none (no module-level app or application).";
    const [module] = conventional.split(":");
    super(
      `Cannot tell what the server should serve in ${appDir}: it has no ${module}.py defining app (the template's convention, ${conventional}). ${found}\n` +
        `Fix: pass --app module:callable (e.g. --app ${candidates[0] ?? "myapp:app"}), or package:create_app() for an app factory; or run dockerize-python new in a terminal to be asked.`,
    );
  }
}

/** The app's framework speaks one interface, and the template serves apps of another. */
export class AppKindMismatchError extends ExplainedError {
  constructor(appDir: string, detected: { kind: string; framework: string }, template: string, served: readonly string[]) {
    const named = (kind: string) => kind.toUpperCase();
    super(
      `The app in ${appDir} imports ${detected.framework}, whose apps speak ${named(detected.kind)}, and the ${template} template serves ${served.map(named).join(" and ")} apps: its server cannot run it.\n` +
        `Fix: run dockerize-python new with a template that serves ${named(detected.kind)} apps (its template.json lists "${detected.kind}" in appKinds).`,
    );
  }
}

/**
 * Decides what a template is adapted to in this app: its dependency style and its WSGI target,
 * then its layout (static folder, database, health route, writable folders; see
 * decideLayoutSettings). A flag wins; else the app's files decide when they are unambiguous; else a
 * person is asked (on a terminal); else the clear default: the first style in the templates' order
 * (requirements.txt, Pipfile.lock, pyproject.toml, uv.lock, poetry.lock, pylock.toml; a
 * pyproject.toml beside a lock is that lock's project, not a style of its own) and the
 * conventional wsgi:app (asgi:app) or the one target the code suggests, or an error naming the flag to pass. A template with no Python (a proxy)
 * needs neither style nor target. An app whose framework speaks another interface than the
 * template serves (FastAPI on a WSGI template, Flask on the ASGI one) is refused, naming the fix.
 */
export async function decideAppSettings(request: DecideAppSettingsRequest): Promise<DecidedAppSettings> {
  const notes: string[] = [];
  const isApp = request.manifest.kind === "app";
  const dependencyStyle = isApp ? await decideDependencyStyle(request, notes) : null;
  const wsgiApp = isApp ? await decideWsgiApp(request, notes) : null;
  const layout = await decideLayoutSettings(request.appDir, request.manifest, wsgiApp, request, notes);
  return { settings: { dependencyStyle, wsgiApp, ...layout }, notes };
}

async function decideDependencyStyle(request: DecideAppSettingsRequest, notes: string[]): Promise<DependencyStyle | null> {
  const supported = request.manifest.dependencyStyles;
  if (!supported) return null;
  const { appDir } = request;
  const detected = await detectDependencyStyles(appDir);
  const lockNote = `The app has a Pipfile but no Pipfile.lock: run \`pipenv lock\` before building (the image installs exactly the lock).`;
  const unlockedNote = `The pyproject style installs pyproject.toml's dependencies without the lock beside it: each build resolves them again, so it is not reproducible.`;

  if (request.dependencyStyle) {
    const style = request.dependencyStyle;
    if (!supported.includes(style)) throw new UnsupportedDependencyStyleError(style, request.manifest.name, supported);
    if (style === "pipenv" && detected.unlockedPipfile) notes.push(lockNote);
    else if (style === "pyproject" && detected.pyprojectBesideLock) notes.push(unlockedNote);
    else if (!detected.complete.includes(style)) throw new DependencyStyleNotFoundError(style, appDir, missingFor(style));
    return style;
  }

  const usable = supported.filter((style) => detected.complete.includes(style));
  // A Pipfile without its lock is pipenv only when nothing complete is there to use instead.
  if (!usable.length && detected.unlockedPipfile && supported.includes("pipenv")) {
    notes.push(lockNote);
    return "pipenv";
  }
  const [first] = usable;
  if (!first) throw new NoDependencyFileError(appDir);
  if (usable.length === 1) return first;

  const described = usable.map((style) => `${style} (${dependencyFiles[style].join(" + ")})`);
  if (request.ask) {
    const answer = await request.ask({
      message: `The app declares its dependencies in several ways. Which should the image install?`,
      choices: usable,
      allowOther: false,
      check: (value) => value,
    });
    return usable.find((style) => style === answer) ?? first;
  }
  notes.push(`The app declares its dependencies in several ways: ${described.join(", ")}. Using ${first}; pass --dependency-style to choose another.`);
  return first;
}

async function decideWsgiApp(request: DecideAppSettingsRequest, notes: string[]): Promise<string> {
  const kind = await targetKindFor(request);
  const check = (value: string) => checkAppTarget(value, kind);
  if (request.wsgiApp !== undefined) return check(request.wsgiApp);
  // A Django project says what it serves itself (its WSGI application): nothing to ask.
  const django = kind === "wsgi" ? await detectDjangoProject(request.appDir) : null;
  if (django) {
    notes.push(`Serving ${django.wsgiApp}, the WSGI application of the Django project (settings ${django.settingsModule}); pass --app to choose another.`);
    return django.wsgiApp;
  }
  const conventional = conventionalAppTarget(kind);
  const candidates = await detectWsgiApps(request.appDir, kind);
  if (request.ask) {
    return request.ask({
      message: `What should the ${kind.toUpperCase()} server serve? module:callable, or package:create_app() for an app factory`,
      choices: candidates.length ? candidates : [conventional],
      allowOther: true,
      check,
    });
  }
  const [only] = candidates;
  if (candidates.length === 1 && only !== conventional) {
    notes.push(`Serving ${only}, the one ${kind.toUpperCase()} target the code suggests (there is no ${conventional.split(":")[0]}.py defining app); pass --app to choose another.`);
    return only!;
  }
  if (!candidates.includes(conventional)) throw new WsgiAppNotFoundError(request.appDir, candidates, conventional);
  if (candidates.length > 1) notes.push(`Serving ${conventional} (the convention); the code also suggests ${candidates.slice(1).join(", ")}. Pass --app to choose another.`);
  return conventional;
}

/** The kind of target the template's server takes, after refusing an app whose framework the template cannot serve. */
async function targetKindFor(request: DecideAppSettingsRequest): Promise<TargetKind> {
  const served = request.manifest.appKinds ?? ["wsgi"];
  const detected = await detectAppKind(request.appDir);
  if (detected && !served.includes(detected.kind)) throw new AppKindMismatchError(request.appDir, detected, request.manifest.name, served);
  return targetKindOf(served);
}

function missingFor(style: DependencyStyle): string {
  if (style === "pyproject") return "has no pyproject.toml with a [project] table";
  const [lock, project] = dependencyFiles[style];
  if (project) return `has no ${lock} beside a ${project} (run \`${style} lock\` and commit it)`;
  return `has no ${lock}`;
}
