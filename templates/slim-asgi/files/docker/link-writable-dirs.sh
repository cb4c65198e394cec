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

mkdir -p "$(dirname "$list")"
touch "$list"
for dir in "$@"; do
  # A path inside the app, such as instance or var/uploads: relative, no .., plain characters.
  case $dir in
    '' | /* | *..* | *[!A-Za-z0-9_./-]* | */ ) fail "$dir must be a folder inside the app, relative to its root, such as instance or var/uploads" ;;
  esac
  link="$app_root/$dir"
  target="$data_dir/$dir"
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
done
