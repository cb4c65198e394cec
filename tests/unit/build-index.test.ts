import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { packageIndexRecipeDir } from "../../packages/harness/src/hermetic/package-index.ts";

/**
 * The pure functions of build_index.py (the script that makes the package index inside its builder
 * container), called through the machine's python3: no Docker, no Debian packages needed.
 */
function callBuildIndex(calls: Array<[string, ...unknown[]]>): unknown[] {
  const script = [
    "import json, sys",
    "sys.path.insert(0, sys.argv[1])",
    "import build_index",
    // {"bytes": "..."} stands for a bytes argument, which JSON cannot carry.
    "arg = lambda a: a['bytes'].encode() if isinstance(a, dict) and list(a) == ['bytes'] else a",
    "calls = json.load(sys.stdin)",
    "print(json.dumps([getattr(build_index, name)(*map(arg, args)) for name, *args in calls]))",
  ].join("\n");
  const run = spawnSync(python!, ["-c", script, packageIndexRecipeDir], {
    input: JSON.stringify(calls),
    encoding: "utf8",
    // No __pycache__ in the recipe directory: it is hashed into the index's cache key.
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
  });
  if (run.status !== 0) throw new Error(`python3 build_index.py failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as unknown[];
}

const call = (name: string, ...args: unknown[]) => callBuildIndex([[name, ...args]])[0];

const python = ["python3", "python"].find((candidate) => spawnSync(candidate, ["-c", "import sys; assert sys.version_info >= (3, 9)"]).status === 0);

describe.skipIf(!python)("build_index.py (needs python3 >= 3.9 on this machine)", () => {
  it("normalizes project names as PEP 503 says, and spells them with underscores in file names", () => {
    const names = ["Flask", "typing_extensions", "jaraco.functools", "zope..Interface", "Foo-_-Bar"];
    expect(callBuildIndex(names.map((n) => ["normalize_name", n]))).toEqual(["flask", "typing-extensions", "jaraco-functools", "zope-interface", "foo-bar"]);
    expect(callBuildIndex(names.map((n) => ["wheel_name_part", n]))).toEqual(["flask", "typing_extensions", "jaraco_functools", "zope_interface", "foo_bar"]);
  });

  it("tags pure Python py3-none-any and a distribution with shared objects for its interpreter", () => {
    const pure = ["flask/__init__.py", "flask/py.typed", "flask/json/provider.py"];
    const compiled = ["markupsafe/__init__.py", "markupsafe/_speedups.cpython-311-x86_64-linux-gnu.so"];
    const bundledLibrary = ["pkg/__init__.py", "pkg/.libs/libfoo.so.1.2"];
    expect(call("wheel_tag", pure, [3, 11], "linux_x86_64")).toBe("py3-none-any");
    expect(call("wheel_tag", compiled, [3, 11], "linux_x86_64")).toBe("cp311-cp311-linux_x86_64");
    expect(call("wheel_tag", bundledLibrary, [3, 13], "linux_x86_64")).toBe("cp313-cp313-linux_x86_64");
    // A module merely named like a library is still pure.
    expect(call("wheel_tag", ["pkg/so.py", "pkg/x.sonnet"], [3, 13], "linux_x86_64")).toBe("py3-none-any");
    expect(call("wheel_filename", "MarkupSafe", "2.1.2", "cp311-cp311-linux_x86_64")).toBe("markupsafe-2.1.2-cp311-cp311-linux_x86_64.whl");
    expect(call("wheel_filename", "virtualenv", "20.17.1+ds", "py3-none-any")).toBe("virtualenv-20.17.1+ds-py3-none-any.whl");
  });

  it("reads Debian versions and Depends fields", () => {
    expect(callBuildIndex([["upstream_version", "2.0.21-5.1"], ["upstream_version", "1:2.9.10-1"], ["upstream_version", "1.4.46+ds1-1"], ["upstream_version", "3.0~rc1"]])).toEqual([
      "2.0.21",
      "2.9.10",
      "1.4.46",
      "3.0",
    ]);
    expect(call("parse_depends", "python3-click (>= 8.0), python3-importlib-metadata | python3 (>> 3.10), python3:any, libc6 (>= 2.14) [amd64]")).toEqual([
      ["python3-click"],
      ["python3-importlib-metadata", "python3"],
      ["python3"],
      ["libc6"],
    ]);
  });

  it("turns an egg-info requires.txt into Requires-Dist with extras and markers", () => {
    const requiresTxt = ["colorama", "", "[:platform_system == \"Windows\"]", "pywin32", "", "[async]", "asgiref>=3.2", "", "[mysql:python_version >= \"3\"]", "mysqlclient>=1.4.0"].join("\n");
    expect(call("requires_from_requires_txt", requiresTxt)).toEqual([
      ["colorama", 'pywin32; (platform_system == "Windows")', 'asgiref>=3.2; extra == "async"', 'mysqlclient>=1.4.0; (python_version >= "3") and extra == "mysql"'],
      ["async", "mysql"],
    ]);
  });

  it("restores a requirement only where Debian's Depends has one the metadata lacks", () => {
    const installed = ["python3-click", "python3-werkzeug", "python3-jinja2", "python3-colorama", "python3-pkg-resources", "python3", "libjs-jquery"];
    const distributionOf = { "python3-click": "click", "python3-werkzeug": "Werkzeug", "python3-jinja2": "Jinja2", "python3-colorama": "colorama", "python3-pkg-resources": "setuptools" };
    // Flask on bookworm: Debian emptied requires.txt; every python3-* dependency comes back, "python3" does not.
    expect(
      call("missing_requirements", "Flask", [], [["python3-click"], ["python3-importlib-metadata", "python3"], ["python3-jinja2"], ["python3-werkzeug"], ["python3"]], installed, distributionOf),
    ).toEqual(["click", "Jinja2", "Werkzeug"]);
    // click keeps colorama behind a platform marker: that is upstream's choice, not a stripped requirement.
    expect(call("missing_requirements", "click", ['colorama; platform_system == "Windows"'], [["python3-colorama"]], installed, distributionOf)).toEqual([]);
    // A requirement that exists only for an extra is not a requirement: restored.
    expect(call("missing_requirements", "gunicorn", ['setuptools; extra == "setuptools"'], [["python3-pkg-resources"]], installed, distributionOf)).toEqual(["setuptools"]);
    // Non-Python dependencies and the package itself are ignored; names compare normalized.
    expect(call("missing_requirements", "Jinja2", ["markupsafe>=2.0"], [["libjs-jquery"], ["python3-jinja2"]], installed, { ...distributionOf, "python3-markupsafe": "MarkupSafe" })).toEqual([]);
  });

  it("adds headers to metadata without touching the description, raising Metadata-Version when needed", () => {
    const pkgInfo = "Metadata-Version: 1.2\nName: Flask\nVersion: 2.2.2\n\nLong description.\n\nSecond paragraph.\n";
    expect(call("rewrite_metadata", pkgInfo, ["click", "Werkzeug"], ["async"])).toBe(
      "Metadata-Version: 2.1\nName: Flask\nVersion: 2.2.2\nRequires-Dist: click\nRequires-Dist: Werkzeug\nProvides-Extra: async\n\nLong description.\n\nSecond paragraph.\n",
    );
    const metadata = "Metadata-Version: 2.4\nName: flask\nVersion: 3.1.1\n";
    expect(call("rewrite_metadata", metadata, ["blinker"], [])).toBe("Metadata-Version: 2.4\nName: flask\nVersion: 3.1.1\nRequires-Dist: blinker\n");
    expect(call("header_values", "Name: x\nRequires-Dist: a\nRequires-Dist: b; extra == 'c'\n\nRequires-Dist: not-a-header\n", "Requires-Dist")).toEqual(["a", "b; extra == 'c'"]);
  });

  it("renders PEP 503 pages: normalized project links, files with sha256 fragments and escaped Requires-Python", () => {
    const root = call("render_root_page", ["Flask", "typing_extensions", "flask"]) as string;
    expect(root).toContain('<meta name="pypi:repository-version" content="1.0">');
    expect(root.match(/<a [^>]*>/g)).toEqual(['<a href="flask/">', '<a href="typing-extensions/">']);

    const sha = "a".repeat(64);
    const project = call("render_project_page", "Jinja2", [
      { file: "jinja2-3.1.2-py3-none-any.whl", sha256: sha, requiresPython: ">=3.7" },
      { file: "jinja2-3.1.2.tar.gz", sha256: sha },
    ]) as string;
    expect(project).toContain("<title>Links for jinja2</title>");
    expect(project).toContain(`<a href="../../files/jinja2-3.1.2-py3-none-any.whl#sha256=${sha}" data-requires-python="&gt;=3.7">jinja2-3.1.2-py3-none-any.whl</a>`);
    expect(project).toContain(`<a href="../../files/jinja2-3.1.2.tar.gz#sha256=${sha}">jinja2-3.1.2.tar.gz</a>`);
  });

  it("hashes RECORD entries as urlsafe base64 without padding", () => {
    // sha256("") = e3b0c442..., as a RECORD hash:
    expect(call("record_hash", { bytes: "" })).toBe("sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  });
});
