/** One problem a lint rule found: what is wrong, where, and how to fix it. */
export interface LintFinding {
  /** The rule's id, e.g. `pinned-base-image`. */
  rule: string;
  /** The file, relative to the template's files/ folder. */
  file: string;
  /** 1-based; 0 when the problem is about the file as a whole. */
  line: number;
  message: string;
  fix: string;
}

/** `docker/Dockerfile:12 [pinned-base-image] ... Fix: ...`, one line per finding. */
export function formatFinding(finding: LintFinding): string {
  const where = finding.line > 0 ? `${finding.file}:${finding.line}` : finding.file;
  return `${where} [${finding.rule}] ${finding.message}. Fix: ${finding.fix}`;
}
