import { type AppSettings, defaultHealthPath } from "../scaffold/app-settings.ts";
import type { AppDiff, FileComparison } from "./diff-app.ts";

/**
 * An AppDiff for a person: the versions, the settings the compared version was adapted to, the files changed in the app since they were copied, the
 * files new in or removed from the version compared with, then a unified diff per file that
 * differs (from the app's file to that version's).
 */
export function renderAppDiff(appDiff: AppDiff): string {
  const from = appDiff.source.kind === "registry" ? `the registry ${appDiff.source.registry}` : `the checkout ${appDiff.source.path}`;
  const lines = [`Comparing with ${from}:`];
  for (const template of appDiff.templates) {
    const copied = template.copied ? `copied ${template.copied}` : "not copied";
    const newest = template.newest ? `compared with ${template.newest}` : "no longer part of the template";
    lines.push(`  ${template.name}: ${copied}, ${newest}${template.copied && template.copied === template.newest ? " (the same version)" : ""}`);
  }
  lines.push(`Adapted as recorded: ${describeSettings(appDiff.settings)}`);

  const section = (title: string, files: readonly FileComparison[], note = "") => {
    if (!files.length) return;
    lines.push("", title);
    for (const file of files) lines.push(`  ${file.path}${note}`);
  };
  const { files } = appDiff;
  section("Changed in your app since it was copied:", files.filter((file) => file.sinceCopy === "edited"));
  section("Deleted from your app since it was copied:", files.filter((file) => file.sinceCopy === "deleted"));
  section("New in the version compared with (not in your app yet):", files.filter((file) => file.againstNewest === "added"));
  section("No longer in the version compared with:", files.filter((file) => file.againstNewest === "removed"), " (delete it if nothing of yours uses it)");

  const differing = files.filter((file) => file.diff);
  const same = files.filter((file) => file.againstNewest === "same").length;
  lines.push(
    "",
    differing.length
      ? `${differing.length} file(s) differ from the version compared with; ${same} are the same. Each diff turns your file into that version's (adapted to your settings, as new wrote it):`
      : `Your app's template files are the same as the version compared with (${same} files).`,
  );
  for (const file of differing) lines.push("", file.diff.trimEnd());
  return `${lines.join("\n")}\n`;
}

/** The settings in a line: `WSGI_APP=wsgi:app, requirements, static static, PostgreSQL, health /healthz (default), nothing writable`. */
function describeSettings(settings: AppSettings): string {
  return [
    settings.wsgiApp === null ? [] : [`WSGI_APP=${settings.wsgiApp}`],
    settings.dependencyStyle ?? [],
    settings.staticDir === null ? "no static files" : `static ${settings.staticDir}`,
    settings.staticRoot === null ? [] : [`collected into ${settings.staticRoot}`],
    settings.database === "none" ? "no database" : "PostgreSQL",
    settings.healthPath === null ? `health ${defaultHealthPath} (default)` : `health ${settings.healthPath}`,
    settings.writableDirs.length || settings.writableFiles.length ? `writable ${[...settings.writableDirs, ...settings.writableFiles].join(" ")}` : "nothing writable",
  ]
    .flat()
    .join(", ");
}
