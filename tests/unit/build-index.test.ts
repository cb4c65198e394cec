import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lendingSuite, packageIndexRecipeDir } from "../../packages/harness/src/hermetic/package-index.ts";

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
// build_index.py checks the index's requirements with packaging, which the builder installs.
const hasPackaging = python !== undefined && spawnSync(python, ["-c", "import packaging.requirements"]).status === 0;

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

  it("accepts the recipe's borrowing and refuses borrowing that cannot work", () => {
    const recipe = JSON.parse(readFileSync(join(packageIndexRecipeDir, "packages.json"), "utf8")) as unknown;
    const groups = { $comment: "", flask: ["python3-flask", "python3-blinker", "python3-markupsafe"] };
    const withBorrow = (borrow: object) => ({ debianPackages: groups, borrow: { $comment: "", ...borrow } });
    // One python3 for all the calls: each start costs a few hundred milliseconds.
    const [errors, trixie, bookworm, forky, ...broken] = callBuildIndex([
      ["recipe_errors", recipe],
      ["borrowing", recipe, "trixie"],
      ["borrowing", recipe, "bookworm"],
      ["borrowing", recipe, "forky"],
      ["recipe_errors", withBorrow({ bookworm: { from: "trixie", debianPackages: ["python3-flask", "python3-blinker"] } })],
      ["recipe_errors", withBorrow({ bookworm: { from: "bookworm", debianPackages: ["python3-flask"] } })],
      ["recipe_errors", withBorrow({ bookworm: { from: "trixie", debianPackages: ["python3-flask"] }, trixie: { from: "forky", debianPackages: ["python3-flask"] } })],
      ["recipe_errors", withBorrow({ bookworm: { from: "trixie", debianPackages: ["python3-flask", "python3-psycopg", "python3-flask"] } })],
      ["recipe_errors", withBorrow({ bookworm: { from: "trixie", debianPackages: [] } })],
      ["recipe_errors", withBorrow({ bookworm: "trixie" })],
    ]);
    expect(errors).toEqual([]);
    expect(trixie).toBeNull();
    expect((bookworm as { from: string }).from).toBe("trixie");
    expect((forky as { from: string }).from).toBe("trixie");
    expect(broken).toEqual([
      [],
      ["packages.json borrow.bookworm: a suite cannot borrow from itself"],
      ["packages.json borrow.bookworm: trixie borrows too; a lender must serve its own packages"],
      [
        "packages.json borrow.bookworm.debianPackages: python3-psycopg not in any debianPackages group; borrowing replaces what the index serves, add them to a group first",
        "packages.json borrow.bookworm.debianPackages: python3-flask listed twice",
      ],
      ["packages.json borrow.bookworm.debianPackages: a non-empty list of Debian package names"],
      ['packages.json borrow.bookworm: needs "from" (the suite lending) and "debianPackages"'],
    ]);
  });

  it("refuses lent wheels with compiled modules: they are built for the lender's Python", () => {
    const lent = [
      { file: "flask-3.1.1-py3-none-any.whl", debianPackage: "python3-flask" },
      { file: "sqlalchemy-2.0.40-cp313-cp313-linux_x86_64.whl", debianPackage: "python3-sqlalchemy" },
    ];
    expect(call("impure_wheels", lent)).toEqual(["sqlalchemy-2.0.40-cp313-cp313-linux_x86_64.whl (python3-sqlalchemy)"]);
  });

  describe.skipIf(!hasPackaging)("the index's own requirements (needs packaging, as the builder has)", () => {
    // What pip sees on bookworm's Python 3.11 on x86_64.
    const bookworm = { python_version: "3.11", python_full_version: "3.11.2", platform_machine: "x86_64", sys_platform: "linux", platform_system: "Linux", implementation_name: "cpython", platform_python_implementation: "CPython", os_name: "posix" };
    const wheel = (project: string, version: string, requires: string[] = [], requiresPython?: string) => ({ project, version, requires, ...(requiresPython ? { requiresPython } : {}) });
    // trixie's Flask 3.1.1 and SQLAlchemy 2.0.40 as repacked, beside what bookworm serves of its own.
    const flask = wheel("Flask", "3.1.1", ["blinker>=1.9.0", "click>=8.1.3", "importlib-metadata>=3.6.0; python_version < '3.10'", "itsdangerous>=2.2.0", "jinja2>=3.1.2", "markupsafe>=2.1.1", "werkzeug>=3.1.0", 'asgiref>=3.2 ; extra == "async"'], ">=3.9");
    const sqlalchemy = wheel("SQLAlchemy", "2.0.40", ['greenlet>=1; python_version < "3.14" and (platform_machine == "aarch64" or platform_machine == "x86_64")', "typing-extensions>=4.6.0", 'psycopg>=3.0.7; extra == "postgresql-psycopg"']);
    const borrowed = [wheel("blinker", "1.9.0"), wheel("click", "8.1.8"), wheel("itsdangerous", "2.2.0"), wheel("Jinja2", "3.1.6", ["MarkupSafe>=2.0"]), wheel("Werkzeug", "3.1.3", ["MarkupSafe>=2.1.1"]), wheel("typing_extensions", "4.13.2")];
    const own = [wheel("MarkupSafe", "2.1.2"), wheel("greenlet", "2.0.2"), wheel("psycopg", "3.1.7", ["typing-extensions (>=4.1)", 'backports.zoneinfo (>=0.2.0) ; python_version < "3.9"'])];

    it("is met when bookworm borrows what Flask 3.1 and SQLAlchemy 2.0 need", () => {
      expect(call("unmet_requirements", [flask, sqlalchemy, ...borrowed, ...own], bookworm)).toEqual([]);
    });

    it("names every requirement a broken borrowing leaves unmet", () => {
      // bookworm's own blinker 1.5 and typing-extensions 4.4 instead of trixie's; greenlet left out.
      const broken = [flask, sqlalchemy, ...borrowed.filter((w) => !["blinker", "typing_extensions"].includes(w.project)), wheel("blinker", "1.5"), wheel("typing_extensions", "4.4.0"), wheel("MarkupSafe", "2.1.2"), wheel("psycopg", "3.1.7", ["typing-extensions (>=4.1)"])];
      const [unmet, onS390x, tooNew] = callBuildIndex([
        ["unmet_requirements", broken, bookworm],
        // Only on a machine where the marker holds: greenlet is not needed on, say, s390x.
        ["unmet_requirements", [sqlalchemy, wheel("typing_extensions", "4.13.2")], { ...bookworm, platform_machine: "s390x" }],
        ["unmet_requirements", [wheel("Flask", "3.1.1", [], ">=3.12")], bookworm],
      ]);
      expect(unmet).toEqual([
        "Flask 3.1.1 requires blinker>=1.9.0, the index serves 1.5",
        'SQLAlchemy 2.0.40 requires greenlet>=1; python_version < "3.14" and (platform_machine == "aarch64" or platform_machine == "x86_64"), which the index does not serve',
        "SQLAlchemy 2.0.40 requires typing-extensions>=4.6.0, the index serves 4.4.0",
      ]);
      expect(onS390x).toEqual([]);
      expect(tooNew).toEqual(["Flask 3.1.1 requires Python >=3.12, the suite has 3.11.2"]);
    });
  });

  it("hashes RECORD entries as urlsafe base64 without padding", () => {
    // sha256("") = e3b0c442..., as a RECORD hash:
    expect(call("record_hash", { bytes: "" })).toBe("sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU");
  });
});

describe("lendingSuite (the harness's reading of packages.json)", () => {
  it("names the suite whose rootfs lends, the suite itself when it borrows nothing, and refuses an unknown lender", () => {
    const recipe = JSON.parse(readFileSync(join(packageIndexRecipeDir, "packages.json"), "utf8")) as unknown;
    expect(lendingSuite(recipe, "bookworm")).toBe("trixie");
    expect(lendingSuite(recipe, "trixie")).toBe("trixie");
    expect(lendingSuite(recipe, "forky")).toBe("trixie");
    expect(() => lendingSuite({ borrow: { bookworm: { from: "sid", debianPackages: [] } } }, "bookworm")).toThrow(/borrow\.bookworm\.from[\s\S]*Fix: correct packages\.json/);
  });
});
