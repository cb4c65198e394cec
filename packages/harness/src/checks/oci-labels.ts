import { provenanceArgs } from "../labels/build-provenance.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";

/** The label that names the template an image was built from. */
export const templateLabel = "org.dockerize-python.template";

/**
 * The image says which template and which release of it it came from, and when and from which
 * commit it was built: its OCI labels match the template package's version and name, and the
 * BUILD_DATE and VCS_REF this build was given (so the Dockerfile really wires them through).
 */
export const ociLabels: Check<Pick<CheckContext, "template" | "facts" | "buildArgs">> = async (context) => {
  const labels = context.facts.labels;
  const problems: string[] = [];
  const expect = (key: string, wanted: string | undefined, why: string) => {
    if (wanted === undefined) {
      problems.push(`${why} was not passed to this build, so ${key} cannot be checked; declare it in the manifest's buildArgs (role "option")`);
    } else if (labels[key] !== wanted) {
      problems.push(`${key} is ${key in labels ? JSON.stringify(labels[key]) : "missing"}; expected ${JSON.stringify(wanted)} (${why})`);
    }
  };
  expect(templateLabel, context.template.name, "the template's name");
  expect("org.opencontainers.image.version", context.template.version, `the version of @dockerize-python/template-${context.template.name}`);
  expect("org.opencontainers.image.created", context.buildArgs[provenanceArgs.created], `this build's ${provenanceArgs.created}`);
  expect("org.opencontainers.image.revision", context.buildArgs[provenanceArgs.revision], `this build's ${provenanceArgs.revision}`);
  const source = labels["org.opencontainers.image.source"];
  if (!source || !/^https:\/\/\S+$/.test(source)) problems.push(`org.opencontainers.image.source is ${JSON.stringify(source ?? null)}; expected the https URL of the template's repository`);
  if (problems.length) return fail(`${problems.join("; ")}. Fix: the LABEL block at the end of the Dockerfile (for a generated one, templates/_shared, then node templates/_shared/generate.ts)`);
  return pass(`${context.template.name} ${context.template.version} from ${source}, revision ${labels["org.opencontainers.image.revision"]}, created ${labels["org.opencontainers.image.created"]}`);
};
