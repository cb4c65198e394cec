#!/usr/bin/env python3
"""Turns the Python distributions Debian installed in this container into a PEP 503 package index.

PyPI cannot be reached where hermetic mode runs, so pip gets an index made of what Debian ships:

* every distribution apt installed (packages.json names them; their dependencies come along) is
  repacked into a wheel: its files from `dpkg -L`, its metadata converted to a dist-info with a new
  WHEEL and RECORD, tagged py3-none-any, or cpXY-cpXY-<platform> when it carries compiled modules;
* the requirements Debian strips from the metadata are restored from the Debian package's Depends;
* a suite whose own versions are too old borrows pure-Python distributions from a newer suite
  (packages.json "borrow"): they are repacked on that suite's rootfs (the lender stage) and win over
  the suite's own;
* pip, setuptools and wheel are the real wheels Debian keeps in /usr/share/python-wheels;
* uWSGI and psycopg2 are real sdists: Debian's orig tarballs, which pip builds like PyPI's;
* the index must satisfy itself: every requirement of every wheel (for the suite's Python) is met
  by the one version the index serves, or the build fails naming what is missing.

Runs inside the builder image (see Dockerfile), with the Python of the suite it serves:
    build_index.py deb-src-sources          print the apt source stanza the sdists are fetched from
    build_index.py fetch-sdists DIR         download and verify the sdists' orig tarballs into DIR
    build_index.py build SDISTS LENT OUT    write OUT/files, OUT/simple, OUT/index.json
and on the lender's rootfs, for the suite SUITE that borrows from it:
    build_index.py borrowed-packages SUITE  print the Debian packages SUITE borrows (to install)
    build_index.py lend SUITE OUT           repack them into OUT/files and OUT/lent.json
The functions above main() that take no files are pure; tests/unit exercises them.
"""

from __future__ import annotations

import base64
import bz2
import gzip
import hashlib
import html
import json
import lzma
import os
import re
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from pathlib import Path

RECIPE_DIR = Path(__file__).resolve().parent
# Every file in a wheel gets this timestamp (the earliest a zip can hold), so that the same Debian
# packages always give byte-identical wheels and the same sha256: lock files stay valid on rebuild.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# Where Debian puts Python modules: the version-neutral tree, and rarely a version-specific one.
DIST_PACKAGES = re.compile(r"^/usr/lib/python3(?:\.\d+)?/dist-packages/")
METADATA_DIR = re.compile(r"^[^/]+\.(dist-info|egg-info)$")
# Metadata files pip writes itself at install time, or that only meant something to the old
# egg-info format (their content is converted, or useless in a wheel).
SKIPPED_METADATA = {
    "RECORD", "INSTALLER", "WHEEL", "REQUESTED", "direct_url.json",
    "PKG-INFO", "requires.txt", "SOURCES.txt", "dependency_links.txt", "installed-files.txt",
    "not-zip-safe", "zip-safe",
}


# ---------------------------------------------------------------------------------------------
# Pure parts: names, tags, requirements, pages.
# ---------------------------------------------------------------------------------------------

def normalize_name(name: str) -> str:
    """The PEP 503 normalized project name: the directory name under simple/."""
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_name_part(name: str) -> str:
    """A project name as it appears in a wheel or sdist file name (and a dist-info directory)."""
    return re.sub(r"[-_.]+", "_", name).lower()


def has_compiled_modules(files: list[str]) -> bool:
    """True when any file is a shared object (`x.cpython-311-x86_64-linux-gnu.so`, `libx.so.1`)."""
    return any(re.search(r"\.so(\.\d+)*$", f) for f in files)


def wheel_tag(files: list[str], python_version: tuple[int, int], platform: str) -> str:
    """py3-none-any for pure Python; the interpreter's own ABI tag when compiled modules are in."""
    if not has_compiled_modules(files):
        return "py3-none-any"
    cp = f"cp{python_version[0]}{python_version[1]}"
    return f"{cp}-{cp}-{platform}"


def wheel_filename(name: str, version: str, tag: str) -> str:
    # A version's own dashes would split the file name wrongly; the binary format spells them "_".
    return f"{wheel_name_part(name)}-{version.replace('-', '_')}-{tag}.whl"


def upstream_version(debian_version: str) -> str:
    """The upstream part of a Debian version: no epoch, no revision, no repack suffix (+ds, +dfsg)."""
    version = debian_version.split(":", 1)[-1]
    version = version.rsplit("-", 1)[0] if "-" in version else version
    return re.split(r"[+~]", version, maxsplit=1)[0]


def parse_depends(field: str) -> list[list[str]]:
    """A Debian Depends field as a list of alternatives, each a list of bare package names."""
    relations = []
    for relation in field.split(","):
        names = []
        for alternative in relation.split("|"):
            # Drop the version "(>= 1.0)", architecture "[amd64]", profile "<!nocheck>" and ":any".
            name = re.sub(r"\(.*?\)|\[.*?\]|<.*?>", "", alternative).strip().split(":", 1)[0]
            if name:
                names.append(name)
        if names:
            relations.append(names)
    return relations


def requires_from_requires_txt(text: str) -> tuple[list[str], list[str]]:
    """An egg-info requires.txt as Requires-Dist values, and the extras it defines."""
    requires: list[str] = []
    extras: list[str] = []
    extra, section_marker = "", ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            # "[extra]", "[:marker]" or "[extra:marker]"
            extra, _, section_marker = line[1:-1].partition(":")
            if extra and extra not in extras:
                extras.append(extra)
            continue
        requirement, _, line_marker = line.partition(";")
        conditions = [f"({m.strip()})" for m in (section_marker, line_marker) if m.strip()]
        if extra:
            conditions.append(f'extra == "{extra}"')
        requires.append(requirement.strip() + (f"; {' and '.join(conditions)}" if conditions else ""))
    return requires, extras


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return normalize_name(match.group(1)) if match else ""


def is_unconditional_or_marked(requirement: str) -> bool:
    """False for requirements that only apply to an extra; a platform marker still counts as present."""
    _, _, marker = requirement.partition(";")
    return not re.search(r"\bextra\s*==", marker)


def missing_requirements(
    name: str,
    requires_dist: list[str],
    depends: list[list[str]],
    installed: set[str],
    distribution_of: dict[str, str],
) -> list[str]:
    """The distributions the Debian package depends on that its metadata no longer requires.

    For each Depends relation, the first alternative that is installed is the one apt chose; when it
    installs a distribution (or is an alias of one), that distribution is a requirement. Debian's
    version bounds are left out: the index holds exactly one version of each project anyway.
    """
    present = {requirement_name(r) for r in requires_dist if is_unconditional_or_marked(r)}
    present.add(normalize_name(name))
    missing: list[str] = []
    for alternatives in depends:
        chosen = next((a for a in alternatives if a in installed), None)
        target = distribution_of.get(chosen or "")
        if target and normalize_name(target) not in present:
            present.add(normalize_name(target))
            missing.append(target)
    return missing


def rewrite_metadata(text: str, requires: list[str], extras: list[str]) -> str:
    """Appends Requires-Dist and Provides-Extra headers to a METADATA/PKG-INFO text.

    The header block is edited as text (an email round trip would reflow a long Description), and
    Metadata-Version is raised to 2.1 when older, since Provides-Extra needs it.
    """
    head, sep, body = text.partition("\n\n")
    lines = head.splitlines()
    version_line = next((i for i, line in enumerate(lines) if line.startswith("Metadata-Version:")), None)
    if version_line is None:
        lines.insert(0, "Metadata-Version: 2.1")
    else:
        current = tuple(int(p) for p in re.findall(r"\d+", lines[version_line])[:2])
        if current < (2, 1):
            lines[version_line] = "Metadata-Version: 2.1"
    lines += [f"Requires-Dist: {r}" for r in requires]
    lines += [f"Provides-Extra: {e}" for e in extras]
    return "\n".join(lines) + "\n" + (sep[1:] + body if sep else "")


def header_values(metadata: str, header: str) -> list[str]:
    head = metadata.partition("\n\n")[0]
    return [line.split(":", 1)[1].strip() for line in head.splitlines() if line.startswith(f"{header}:")]


def record_hash(data: bytes) -> str:
    """A RECORD (and PEP 376) hash: urlsafe base64 of the sha256, without padding."""
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def page(title: str, links: list[str]) -> str:
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        '    <meta name="pypi:repository-version" content="1.0">\n'
        f"    <title>{html.escape(title)}</title>\n  </head>\n  <body>\n"
        + (f"    <h1>{html.escape(title)}</h1>\n" if title.startswith("Links") else "")
        + "".join(f"    {link}<br>\n" for link in links)
        + "  </body>\n</html>\n"
    )


def render_root_page(projects: list[str]) -> str:
    """simple/index.html: one link per normalized project name (PEP 503)."""
    names = sorted({normalize_name(p) for p in projects})
    return page("Simple index", [f'<a href="{n}/">{n}</a>' for n in names])


def render_project_page(project: str, files: list[dict]) -> str:
    """simple/<project>/index.html: one link per file, with its sha256 and Requires-Python."""
    links = []
    for f in sorted(files, key=lambda f: f["file"]):
        attrs = f'href="../../files/{html.escape(f["file"])}#sha256={f["sha256"]}"'
        if f.get("requiresPython"):
            # PEP 503: the value is HTML-escaped ("&gt;=3.7"), pip unescapes it.
            attrs += f' data-requires-python="{html.escape(f["requiresPython"])}"'
        links.append(f"<a {attrs}>{html.escape(f['file'])}</a>")
    return page(f"Links for {normalize_name(project)}", links)


def debian_packages(recipe: dict) -> list[str]:
    """Every Debian package the recipe's groups name (each group but "$comment")."""
    return [p for key, group in recipe["debianPackages"].items() if not key.startswith("$") for p in group]


def recipe_errors(recipe: dict) -> list[str]:
    """What is wrong with packages.json's "borrow" section; empty when it can be used.

    A suite borrows from another suite only Debian packages the recipe's groups already name (it
    replaces its own versions, it adds nothing), and a lender borrows nothing itself: the lender stage
    installs from one rootfs.
    """
    errors: list[str] = []
    borrow = {k: v for k, v in recipe.get("borrow", {}).items() if not k.startswith("$")}
    listed = set(debian_packages(recipe))
    for suite, entry in borrow.items():
        where = f'packages.json borrow.{suite}'
        if not isinstance(entry, dict) or not isinstance(entry.get("from"), str):
            errors.append(f'{where}: needs "from" (the suite lending) and "debianPackages"')
            continue
        lender = entry["from"]
        packages = entry.get("debianPackages")
        if lender == suite:
            errors.append(f"{where}: a suite cannot borrow from itself")
        elif lender in borrow:
            errors.append(f"{where}: {lender} borrows too; a lender must serve its own packages")
        if not isinstance(packages, list) or not packages or not all(isinstance(p, str) for p in packages):
            errors.append(f'{where}.debianPackages: a non-empty list of Debian package names')
            continue
        unlisted = sorted(set(packages) - listed)
        if unlisted:
            errors.append(f"{where}.debianPackages: {', '.join(unlisted)} not in any debianPackages group; "
                          "borrowing replaces what the index serves, add them to a group first")
        duplicates = sorted({p for p in packages if packages.count(p) > 1})
        if duplicates:
            errors.append(f"{where}.debianPackages: {', '.join(duplicates)} listed twice")
    return errors


def borrowing(recipe: dict, suite: str) -> dict | None:
    """{"from": lender suite, "debianPackages": [...]} when `suite` borrows, else None."""
    return recipe.get("borrow", {}).get(suite)


def impure_wheels(entries: list[dict]) -> list[str]:
    """Lent wheels that carry compiled modules: built for the lender's Python, useless to another."""
    return [f"{e['file']} ({e['debianPackage']})" for e in entries if not e["file"].endswith("-py3-none-any.whl")]


def unmet_requirements(wheels: list[dict], environment: dict[str, str]) -> list[str]:
    """The requirements of the index's wheels that the index itself does not meet.

    `wheels`: {"project", "version", "requires": [Requires-Dist...], "requiresPython"?}, one per
    project (the index serves exactly one version of each). Requirements of extras are left out;
    markers are evaluated for `environment` (the suite's Python on this machine, as pip would).
    Sdists are not listed: their requirements are only known once pip builds them.
    """
    # packaging is in the builder (see Dockerfile) and on the machines that run the unit tests.
    from packaging.markers import Marker
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    served = {normalize_name(w["project"]): w["version"] for w in wheels}
    unmet: list[str] = []
    for wheel in wheels:
        who = f"{wheel['project']} {wheel['version']}"
        requires_python = wheel.get("requiresPython")
        if requires_python and not SpecifierSet(requires_python).contains(environment["python_full_version"], prereleases=True):
            unmet.append(f"{who} requires Python {requires_python}, the suite has {environment['python_full_version']}")
        for text in wheel["requires"]:
            requirement = Requirement(text)
            if requirement.marker and not Marker(str(requirement.marker)).evaluate({**environment, "extra": ""}):
                continue
            have = served.get(normalize_name(requirement.name))
            if have is None:
                unmet.append(f"{who} requires {requirement}, which the index does not serve")
            elif not requirement.specifier.contains(have, prereleases=True):
                unmet.append(f"{who} requires {requirement}, the index serves {have}")
    return unmet


# ---------------------------------------------------------------------------------------------
# The recipe's data and the container's Debian.
# ---------------------------------------------------------------------------------------------

def load_recipe() -> dict:
    recipe = json.loads((RECIPE_DIR / "packages.json").read_text())
    errors = recipe_errors(recipe)
    if errors:
        sys.exit("error: packages.json is not usable:\n  " + "\n  ".join(errors) + "\nfix: correct packages.json")
    return recipe


def this_suite() -> str:
    release = Path("/etc/os-release").read_text()
    match = re.search(r"^VERSION_CODENAME=(\S+)", release, re.M)
    if not match:
        sys.exit("error: /etc/os-release names no VERSION_CODENAME; fix: build from a Debian rootfs image")
    return match.group(1)


def apt_source() -> dict[str, str]:
    """The fields of the rootfs's deb822 apt source (URIs, Signed-By), so no host name is written here."""
    text = Path("/etc/apt/sources.list.d/debian.sources").read_text()
    return dict(re.findall(r"^([A-Za-z-]+):\s*(.+)$", text, re.M))


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def sdist_source_suite(sdist: dict, suite: str) -> str:
    return sdist.get("sourceSuite", {}).get(suite, suite)


# ---------------------------------------------------------------------------------------------
# deb-src-sources and fetch-sdists: Debian's orig tarballs, verified against apt's signed indexes.
# ---------------------------------------------------------------------------------------------

def command_deb_src_sources() -> None:
    suite = this_suite()
    source = apt_source()
    suites = sorted({sdist_source_suite(s, suite) for s in load_recipe()["sdists"]})
    print(f"Types: deb-src\nURIs: {source['URIs']}\nSuites: {' '.join(suites)}\nComponents: main")
    # Check-Valid-Until too: the rootfs's source turns it off for a snapshot mirror's testing suite
    # (build-rootfs.sh says why), and the Sources indexes come from the same Release files.
    for field in ("Signed-By", "Check-Valid-Until"):
        if field in source:
            print(f"{field}: {source[field]}")


def source_paragraphs(suite: str, package: str) -> list[dict[str, str]]:
    """The Sources index entries of a source package in one suite, from apt's verified lists."""
    lists = sorted(Path("/var/lib/apt/lists").glob(f"*_dists_{suite}_main_source_Sources*"))
    if not lists:
        sys.exit(f"error: apt has no source index for {suite}; fix: add the deb-src-sources stanza and run apt-get update")
    paragraphs = []
    for path in lists:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        elif path.suffix == ".xz":
            raw = lzma.decompress(raw)
        for block in raw.decode().split("\n\n"):
            fields: dict[str, str] = {}
            key = ""
            for line in block.splitlines():
                if line[:1] in (" ", "\t") and key:
                    fields[key] += "\n" + line.strip()
                elif ":" in line:
                    key, value = line.split(":", 1)
                    fields[key] = value.strip()
            if fields.get("Package") == package:
                paragraphs.append(fields)
    return paragraphs


def newest(paragraphs: list[dict[str, str]]) -> dict[str, str]:
    best = paragraphs[0]
    for candidate in paragraphs[1:]:
        # dpkg knows Debian's version ordering (epochs, ~, revisions); Python does not.
        if subprocess.run(["dpkg", "--compare-versions", candidate["Version"], "gt", best["Version"]]).returncode == 0:
            best = candidate
    return best


def command_fetch_sdists(dest: Path) -> None:
    suite = this_suite()
    mirror = apt_source()["URIs"].split()[0].rstrip("/")
    dest.mkdir(parents=True, exist_ok=True)
    fetched = []
    for sdist in load_recipe()["sdists"]:
        source_suite = sdist_source_suite(sdist, suite)
        paragraphs = source_paragraphs(source_suite, sdist["sourcePackage"])
        if not paragraphs:
            sys.exit(f"error: no source package {sdist['sourcePackage']} in {source_suite}; fix: correct packages.json")
        paragraph = newest(paragraphs)
        # "Checksums-Sha256:" lists "<sha256> <size> <file>"; the orig tarball is the upstream release.
        entries = [line.split() for line in paragraph["Checksums-Sha256"].splitlines() if line.strip()]
        orig = [e for e in entries if re.search(r"\.orig\.tar\.(gz|xz|bz2)$", e[2])]
        if not orig:
            sys.exit(f"error: {sdist['sourcePackage']} {paragraph['Version']} has no orig tarball (a native package?)")
        sha256, size, filename = orig[0]
        url = f"{mirror}/{paragraph['Directory']}/{filename}"
        try:
            data = urllib.request.urlopen(url, timeout=60).read()
        except OSError as error:
            sys.exit(
                f"error: downloading {filename} ({source_suite}) failed: {error}\n"
                f"fix: the mirror lacks it; in packages.json point sourceSuite.{suite} of {sdist['project']} "
                "at a suite whose orig tarball the mirror has"
            )
        if hashlib.sha256(data).hexdigest() != sha256 or len(data) != int(size):
            sys.exit(f"error: {filename} does not match the sha256 of {source_suite}'s signed Sources index")
        (dest / filename).write_bytes(data)
        version = upstream_version(paragraph["Version"])
        fetched.append({"project": sdist["project"], "version": version, "orig": filename,
                        "sourcePackage": sdist["sourcePackage"], "debianVersion": paragraph["Version"],
                        "sourceSuite": source_suite})
        print(f"fetched {filename} ({source_suite}) as {sdist['project']} {version}", file=sys.stderr)
    (dest / "sdists.json").write_text(json.dumps(fetched, indent=2) + "\n")


# ---------------------------------------------------------------------------------------------
# build: repack, copy, render.
# ---------------------------------------------------------------------------------------------

def installed_packages() -> dict[str, list[list[str]]]:
    """Installed Debian packages and their (Pre-)Depends."""
    out = run("dpkg-query", "-W", "-f", "${db:Status-Abbrev}\t${Package}\t${Pre-Depends}, ${Depends}\n")
    packages = {}
    for line in out.splitlines():
        status, name, depends = line.split("\t")
        if status.startswith("ii"):
            packages[name] = parse_depends(depends)
    return packages


def python_files(package: str) -> list[str]:
    """The package's files under dist-packages (`dpkg -L` also lists directories: those are dropped)."""
    listed = run("dpkg", "-L", package).splitlines()
    return [p for p in listed if DIST_PACKAGES.match(p) and not os.path.isdir(p)]


def read_metadata(meta_dir: Path) -> tuple[str, dict[str, bytes]]:
    """The METADATA text of a dist-info or egg-info, and the other metadata files worth keeping."""
    if meta_dir.is_file():
        # An egg-info can be a single file: then it is the PKG-INFO.
        return meta_dir.read_text(), {}
    is_egg = meta_dir.suffix == ".egg-info"
    text = (meta_dir / ("PKG-INFO" if is_egg else "METADATA")).read_text()
    if is_egg and not header_values(text, "Requires-Dist") and (meta_dir / "requires.txt").exists():
        # Old setuptools kept requirements only in requires.txt; a wheel needs them in METADATA.
        requires, extras = requires_from_requires_txt((meta_dir / "requires.txt").read_text())
        known = set(header_values(text, "Provides-Extra"))
        text = rewrite_metadata(text, requires, [e for e in extras if e not in known])
    extra_files = {}
    for path in sorted(meta_dir.rglob("*")):
        relative = path.relative_to(meta_dir).as_posix()
        if path.is_file() and relative not in SKIPPED_METADATA:
            extra_files[relative] = path.read_bytes()
    return text, extra_files


def zip_entry(archive: zipfile.ZipFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = zipfile.ZipInfo(name, ZIP_EPOCH)
    info.external_attr = (mode & 0xFFFF) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def write_wheel(out_dir: Path, name: str, version: str, tag: str, files: dict[str, tuple[bytes, int]],
                metadata: str, extra_metadata: dict[str, bytes]) -> Path:
    dist_info = f"{wheel_name_part(name)}-{version}.dist-info"
    wheel_meta = (
        "Wheel-Version: 1.0\nGenerator: dockerize-python build_index.py\n"
        f"Root-Is-Purelib: {'true' if tag == 'py3-none-any' else 'false'}\nTag: {tag}\n"
    )
    entries = dict(sorted(files.items()))
    entries.update({f"{dist_info}/{k}": (v, 0o644) for k, v in sorted(extra_metadata.items())})
    entries[f"{dist_info}/METADATA"] = (metadata.encode(), 0o644)
    entries[f"{dist_info}/WHEEL"] = (wheel_meta.encode(), 0o644)
    record = [f"{path},{record_hash(data)},{len(data)}" for path, (data, _) in entries.items()]
    record.append(f"{dist_info}/RECORD,,")
    path = out_dir / wheel_filename(name, version, tag)
    with zipfile.ZipFile(path, "w") as archive:
        for entry, (data, mode) in entries.items():
            zip_entry(archive, entry, data, mode)
        zip_entry(archive, f"{dist_info}/RECORD", ("\n".join(record) + "\n").encode())
    return path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def as_tar_gz(orig: Path) -> bytes:
    """The orig tarball as gzip: the one sdist compression every packaging tool accepts."""
    raw = orig.read_bytes()
    if orig.name.endswith(".gz"):
        return raw
    if orig.name.endswith(".xz"):
        raw = lzma.decompress(raw)
    elif orig.name.endswith(".bz2"):
        raw = bz2.decompress(raw)
    return gzip.compress(raw, mtime=0)


def repack_installed(recipe: dict, files_dir: Path, taken: set[str], only: set[str] | None = None) -> list[dict]:
    """Repacks the distributions the installed Debian packages hold (those in `only`, when given)
    into wheels in `files_dir`, skipping projects already `taken`; returns their index entries."""
    python_version = sys.version_info[:2]
    # sysconfig says "linux-x86_64"; wheel tags spell it "linux_x86_64".
    platform = re.sub(r"[-.]", "_", sysconfig.get_platform())
    packages = installed_packages()
    installed = set(packages)
    # Which distribution each Debian package installs: its top-level dist-info or egg-info. Every
    # installed package counts, repacked or not: a Depends on any of them can be a requirement.
    found: dict[str, tuple[Path, list[str]]] = {}
    distribution_of: dict[str, str] = {k: v for k, v in recipe["dependsAliases"].items() if not k.startswith("$")}
    for package in sorted(packages):
        files = python_files(package)
        # The first path component under dist-packages; a one-file egg-info is its own first component.
        tops = {DIST_PACKAGES.sub("", f).split("/")[0]: DIST_PACKAGES.match(f).group(0) for f in files}
        meta_dirs = sorted(top for top in tops if METADATA_DIR.match(top))
        if not meta_dirs:
            continue
        if len(meta_dirs) > 1:
            sys.exit(f"error: {package} installs several distributions ({', '.join(meta_dirs)}); "
                     "fix: teach build_index.py to split its files by top_level.txt")
        meta_dir = Path(tops[meta_dirs[0]]) / meta_dirs[0]
        text, _ = read_metadata(meta_dir)
        distribution_of[package] = header_values(text, "Name")[0]
        found[package] = (meta_dir, files)
    if only is not None and only - set(found):
        sys.exit(f"error: {', '.join(sorted(only - set(found)))} installed no Python distribution on {this_suite()}; "
                 "fix: correct packages.json")

    debian_versions = dict(line.split("\t") for line in run("dpkg-query", "-W", "-f", "${Package}\t${Version}\n").splitlines())
    entries: list[dict] = []
    for package, (meta_dir, files) in sorted(found.items()):
        if only is not None and package not in only:
            continue
        metadata, extra_metadata = read_metadata(meta_dir)
        name = header_values(metadata, "Name")[0]
        version = header_values(metadata, "Version")[0]
        if normalize_name(name) in taken:
            continue
        restored = missing_requirements(name, header_values(metadata, "Requires-Dist"), packages[package],
                                        installed, distribution_of)
        if restored:
            metadata = rewrite_metadata(metadata, restored, [])
        contents: dict[str, tuple[bytes, int]] = {}
        meta_prefix = str(meta_dir)
        for path in files:
            if path == meta_prefix or path.startswith(meta_prefix + "/"):
                continue
            relative = DIST_PACKAGES.sub("", path)
            if os.path.islink(path) and not os.path.exists(path):
                # A dangling link into a package that is not installed (Debian de-vendoring): skip.
                print(f"warning: {package}: {path} is a dangling link, left out", file=sys.stderr)
                continue
            # Links are followed: a wheel holds files, and the link's target is what the module reads.
            contents[relative] = (Path(path).read_bytes(), os.stat(path).st_mode)
        tag = wheel_tag(list(contents), python_version, platform)
        wheel = write_wheel(files_dir, name, version, tag, contents, metadata, extra_metadata)
        requires_python = (header_values(metadata, "Requires-Python") or [""])[0]
        entries.append({"project": name, "version": version, "file": wheel.name, "kind": "repacked-wheel",
                        "sha256": sha256_of(wheel), "debianPackage": package,
                        "debianVersion": debian_versions.get(package, ""), "restoredRequires": restored,
                        **({"requiresPython": requires_python} if requires_python else {})})
        taken.add(normalize_name(name))
    return entries


def command_borrowed_packages(suite: str) -> None:
    entry = borrowing(load_recipe(), suite)
    print(" ".join(entry["debianPackages"]) if entry else "")


def command_lend(suite: str, out: Path) -> None:
    """Repacks what `suite` borrows from this rootfs's suite; an empty lent.json when it borrows nothing."""
    recipe = load_recipe()
    entry = borrowing(recipe, suite)
    lender = this_suite()
    files_dir = out / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    entries: list[dict] = []
    if entry:
        if entry["from"] != lender:
            sys.exit(f"error: packages.json says {suite} borrows from {entry['from']}, but the lender stage runs on {lender}; "
                     f"fix: build with LENDER_ROOTFS_IMAGE set to the {entry['from']} rootfs")
        entries = repack_installed(recipe, files_dir, set(), only=set(entry["debianPackages"]))
        impure = impure_wheels(entries)
        if impure:
            sys.exit(f"error: {suite} cannot use what {lender} lends with compiled modules (built for {lender}'s Python): "
                     f"{', '.join(impure)}; fix: borrow only pure-Python packages in packages.json (Debian ships optional "
                     "C speedups in separate -ext packages, which the lender stage does not install)")
    (out / "lent.json").write_text(json.dumps({"borrower": suite, "lender": lender, "entries": entries}, indent=2) + "\n")
    for e in entries:
        print(f"lent to {suite}: {e['file']}", file=sys.stderr)


def wheel_requirements(path: Path) -> tuple[list[str], str]:
    """The Requires-Dist values and Requires-Python of a wheel, from its dist-info METADATA."""
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if re.match(r"^[^/]+\.dist-info/METADATA$", n))
        metadata = archive.read(name).decode()
    return header_values(metadata, "Requires-Dist"), (header_values(metadata, "Requires-Python") or [""])[0]


def python_environment() -> dict[str, str]:
    """The marker environment of this interpreter: the suite's Python, as pip sees it in a build."""
    from packaging.markers import default_environment
    return default_environment()


def command_build(sdists_dir: Path, lent_dir: Path, out: Path) -> None:
    recipe = load_recipe()
    suite = this_suite()
    files_dir = out / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    python_version = sys.version_info[:2]
    entries: list[dict] = []

    # The real wheels first: they win over a repack of the same project (setuptools, packaging).
    for wheel in sorted(Path(recipe["realWheelsDir"]).glob("*.whl")):
        project, version = wheel.name.split("-")[:2]
        target = files_dir / wheel.name
        target.write_bytes(wheel.read_bytes())
        entries.append({"project": project, "version": version, "file": wheel.name, "kind": "wheel",
                        "sha256": sha256_of(target), "source": str(wheel)})
    taken = {normalize_name(e["project"]) for e in entries}

    # Then what this suite borrows: it wins over the suite's own, older, version.
    lent = json.loads((lent_dir / "lent.json").read_text())
    if lent["borrower"] != suite:
        sys.exit(f"error: the lender stage lent to {lent['borrower']}, this is {suite}; fix: build with SUITE={suite}")
    for entry in lent["entries"]:
        if normalize_name(entry["project"]) in taken:
            continue
        (files_dir / entry["file"]).write_bytes((lent_dir / "files" / entry["file"]).read_bytes())
        entries.append({**entry, "lentBy": lent["lender"]})
        taken.add(normalize_name(entry["project"]))

    entries += repack_installed(recipe, files_dir, taken)

    for sdist in json.loads((sdists_dir / "sdists.json").read_text()):
        filename = f"{wheel_name_part(sdist['project'])}-{sdist['version']}.tar.gz"
        (files_dir / filename).write_bytes(as_tar_gz(sdists_dir / sdist["orig"]))
        entries.append({"project": sdist["project"], "version": sdist["version"], "file": filename,
                        "kind": "sdist", "sha256": sha256_of(files_dir / filename),
                        "debianSource": sdist["sourcePackage"], "debianVersion": sdist["debianVersion"],
                        "sourceSuite": sdist["sourceSuite"]})

    wheels = []
    for entry in entries:
        if entry["kind"] != "sdist":
            requires, requires_python = wheel_requirements(files_dir / entry["file"])
            wheels.append({"project": entry["project"], "version": entry["version"], "requires": requires,
                           **({"requiresPython": requires_python} if requires_python else {})})
    unmet = unmet_requirements(wheels, python_environment())
    if unmet:
        sys.exit(f"error: the {suite} index does not satisfy its own requirements:\n  " + "\n  ".join(unmet) +
                 f"\nfix: in packages.json, borrow the projects named from a newer suite (borrow.{suite}), or add the "
                 "Debian packages that hold them to a debianPackages group")

    by_project: dict[str, list[dict]] = {}
    for entry in entries:
        by_project.setdefault(normalize_name(entry["project"]), []).append(entry)
    simple = out / "simple"
    simple.mkdir(exist_ok=True)
    (simple / "index.html").write_text(render_root_page(list(by_project)))
    for project, project_files in by_project.items():
        (simple / project).mkdir(exist_ok=True)
        (simple / project / "index.html").write_text(render_project_page(project, project_files))

    index = {
        "suite": suite,
        "python": f"{python_version[0]}.{python_version[1]}",
        "projects": len(by_project),
        "entries": sorted(entries, key=lambda e: normalize_name(e["project"])),
    }
    # Written last: the harness treats an index without index.json as unfinished.
    (out / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    for entry in index["entries"]:
        restored = f" (restored Requires-Dist: {', '.join(entry['restoredRequires'])})" if entry.get("restoredRequires") else ""
        lent_by = f" (lent by {entry['lentBy']})" if entry.get("lentBy") else ""
        print(f"{entry['file']}{lent_by}{restored}", file=sys.stderr)


def main(argv: list[str]) -> None:
    usage = ("usage: build_index.py deb-src-sources | fetch-sdists DIR | build SDISTS_DIR LENT_DIR OUT_DIR"
             " | borrowed-packages SUITE | lend SUITE OUT_DIR")
    if argv[:1] == ["deb-src-sources"] and len(argv) == 1:
        command_deb_src_sources()
    elif argv[:1] == ["fetch-sdists"] and len(argv) == 2:
        command_fetch_sdists(Path(argv[1]))
    elif argv[:1] == ["build"] and len(argv) == 4:
        command_build(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    elif argv[:1] == ["borrowed-packages"] and len(argv) == 2:
        command_borrowed_packages(argv[1])
    elif argv[:1] == ["lend"] and len(argv) == 3:
        command_lend(argv[1], Path(argv[2]))
    else:
        sys.exit(usage)


if __name__ == "__main__":
    main(sys.argv[1:])
