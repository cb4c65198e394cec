#!/bin/sh
# generated from templates/_shared/src/link-writable-dirs.sh by templates/_shared/generate.ts, do not edit
# Makes folders the app writes into its own tree at run time (Flask's instance folder, an uploads
# folder) writable without making the code writable: each becomes a symbolic link from /app into
# APP_DATA_DIR, the one folder the app's user owns (a volume in compose.yaml). Run as root at build
# time, after the code is copied:  RUN link-writable-dirs instance var/uploads
# - What the folder holds in the build context moves to APP_DATA_DIR in the image, so a new named
#   volume starts with it (.dockerignore leaves such folders out, so usually it holds nothing).
# - The links' targets are listed in /etc/dockerize-python/writable-dirs: the entrypoint creates the
#   ones that are missing at start (a tmpfs or an empty volume on APP_DATA_DIR has none of them).
# --file PATH links a single file whose folder stays read-only: a Django project's SQLite database,
#   RUN link-writable-dirs --file db.sqlite3. Only for a file written in place through the link:
#   SQLite resolves it and keeps its -journal and -wal files beside the target, in APP_DATA_DIR (a
#   writer that replaces the file by renaming another over it would need the folder writable).
#   Nothing is made at the target: the app's first write (Django's migrate) creates the file. Its
#   folder in APP_DATA_DIR is listed, for the entrypoint to make.
# No arguments: nothing to do.
set -eu

app_root=/app
data_dir=${APP_DATA_DIR:-/var/lib/app}
list=/etc/dockerize-python/writable-dirs
# The app's user and the group an arbitrary uid always has (OpenShift): as /var/lib/app is owned.
owner=10001:0

fail() {
  printf 'link-writable-dirs: error: %s\n' "$*" >&2
  exit 64
}

# A path inside the app, such as instance, var/uploads or db.sqlite3: relative, no .., plain characters.
check_path() {
  case $1 in
    '' | /* | *..* | *[!A-Za-z0-9_./-]* | */ ) fail "$1 must be a $2 inside the app, relative to its root, such as $3" ;;
  esac
}

link_dir() {
  check_path "$1" folder "instance or var/uploads"
  link="$app_root/$1"
  target="$data_dir/$1"
  mkdir -p "$target" "$(dirname "$link")"
  if [ -d "$link" ] && [ ! -L "$link" ]; then
    cp -a "$link/." "$target/"
    rm -rf "$link"
  elif [ -e "$link" ] || [ -L "$link" ]; then
    fail "$link exists and is not a folder; it cannot become a link into $data_dir"
  fi
  chown -R "$owner" "$target"
  chmod -R g+rwX "$target"
  ln -s "$target" "$link"
  printf '%s\n' "$target" >> "$list"
  printf 'link-writable-dirs: %s -> %s\n' "$link" "$target"
}

link_file() {
  check_path "$1" file "db.sqlite3"
  link="$app_root/$1"
  target="$data_dir/$1"
  folder=$(dirname "$target")
  mkdir -p "$folder" "$(dirname "$link")"
  case $(readlink -f "$(dirname "$link")") in
    "$data_dir" | "$data_dir"/*) fail "$link lies in a folder linked into $data_dir already, where it is writable: leave --file $1 out" ;;
  esac
  if [ -f "$link" ] && [ ! -L "$link" ]; then
    mv "$link" "$target"
    chown "$owner" "$target"
    chmod g+rw "$target"
  elif [ -e "$link" ] || [ -L "$link" ]; then
    fail "$link exists and is not a file; it cannot become a link into $data_dir"
  fi
  # The file's folder, not only the file: SQLite creates its journal beside it.
  chown "$owner" "$folder"
  chmod g+rwx "$folder"
  ln -s "$target" "$link"
  printf '%s\n' "$folder" >> "$list"
  printf 'link-writable-dirs: %s -> %s\n' "$link" "$target"
}

mkdir -p "$(dirname "$list")"
touch "$list"
while [ $# -gt 0 ]; do
  case $1 in
    --file)
      [ $# -ge 2 ] || fail "--file needs a file inside the app, such as --file db.sqlite3"
      link_file "$2"
      shift 2
      ;;
    *)
      link_dir "$1"
      shift
      ;;
  esac
done
