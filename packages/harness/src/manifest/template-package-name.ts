/** The npm scope every template package is published under. */
export const templatePackageScope = "@dockerize-python";

/** The npm package a template is published as: `@dockerize-python/template-<name>`. */
export function templatePackageName(template: string): string {
  return `${templatePackageScope}/template-${template}`;
}
