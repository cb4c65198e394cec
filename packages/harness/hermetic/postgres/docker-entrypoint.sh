#!/usr/bin/env bash
# Entrypoint of the PostgreSQL stand-in. It keeps the official postgres image's contract, so that
# compose files, testcontainers and users' init scripts work on it unchanged:
#   POSTGRES_PASSWORD, POSTGRES_USER (default postgres), POSTGRES_DB (default $POSTGRES_USER),
#   POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD (default
#   scram-sha-256), each also as <NAME>_FILE (read from a file: Docker secrets);
#   initdb into $PGDATA on the first start only; /docker-entrypoint-initdb.d/*.sh, *.sql,
#   *.sql.gz, *.sql.xz and *.sql.zst run once, in name order, against a server that listens on
#   the Unix socket only; then `postgres` runs as the postgres user, as PID 1.
# Like the official script, it can be sourced (to reuse its functions) without running anything.
set -Eeo pipefail

# Sets NAME from NAME or from the file named by NAME_FILE (never both), else from DEFAULT.
file_env() {
	local var="$1" default="${2:-}"
	local file_var="${var}_FILE"
	if [[ -n "${!var:-}" && -n "${!file_var:-}" ]]; then
		printf >&2 'error: both %s and %s are set (but are exclusive)\n' "$var" "$file_var"
		exit 1
	fi
	local value="$default"
	if [[ -n "${!var:-}" ]]; then
		value="${!var}"
	elif [[ -n "${!file_var:-}" ]]; then
		value="$(<"${!file_var}")"
	fi
	export "$var"="$value"
	unset "$file_var"
}

# True when this script is being sourced rather than run.
_is_sourced() {
	[[ "${#FUNCNAME[@]}" -ge 2 && "${FUNCNAME[0]}" == '_is_sourced' && "${FUNCNAME[1]}" == 'source' ]]
}

docker_create_db_directories() {
	local user
	user="$(id -u)"
	mkdir -p "$PGDATA"
	# An existing PGDATA owned by someone else may refuse the chmod; initdb then says why.
	chmod 00700 "$PGDATA" || :
	mkdir -p /var/run/postgresql || :
	chmod 03775 /var/run/postgresql || :
	if [[ -n "${POSTGRES_INITDB_WALDIR:-}" ]]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		if [[ "$user" == '0' ]]; then
			find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres '{}' +
		fi
		chmod 700 "$POSTGRES_INITDB_WALDIR"
	fi
	# As root, hand over whatever a bind mount brought with another owner.
	if [[ "$user" == '0' ]]; then
		find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
		find /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
	fi
}

# shellcheck disable=SC2034 # waldir_args is used inside the eval
docker_init_database_dir() {
	local -a waldir_args=()
	if [[ -n "${POSTGRES_INITDB_WALDIR:-}" ]]; then
		waldir_args=(--waldir "$POSTGRES_INITDB_WALDIR")
	fi
	# POSTGRES_INITDB_ARGS is shell words (quotes allowed), as in the official image, hence eval.
	# The password goes through a pipe, never through argv or a file on disk.
	eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"${POSTGRES_INITDB_ARGS:-}"' "${waldir_args[@]}"'
}

docker_verify_minimum_env() {
	if [[ -z "$POSTGRES_PASSWORD" && "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]]; then
		cat >&2 <<-'EOE'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

			       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
			       connections without a password. This is *not* recommended.
		EOE
		exit 1
	fi
	if [[ "$POSTGRES_HOST_AUTH_METHOD" == 'trust' ]]; then
		cat >&2 <<-'EOWARN'
			********************************************************************************
			WARNING: POSTGRES_HOST_AUTH_METHOD has been set to "trust". This will allow
			         anyone with access to the Postgres port to access your database without
			         a password, even if POSTGRES_PASSWORD is set.
			********************************************************************************
		EOWARN
	fi
}

# Runs the init scripts given as arguments, by kind. A non-executable *.sh is sourced, so it can
# use this script's functions (docker_process_sql) and variables, as in the official image.
docker_process_init_files() {
	printf '\n'
	local f
	for f; do
		case "$f" in
			*.sh)
				if [[ -x "$f" ]]; then
					printf '%s: running %s\n' "$0" "$f"
					"$f"
				else
					printf '%s: sourcing %s\n' "$0" "$f"
					# shellcheck disable=SC1090 # the init scripts are the user's
					. "$f"
				fi
				;;
			*.sql) printf '%s: running %s\n' "$0" "$f"; docker_process_sql -f "$f"; printf '\n' ;;
			*.sql.gz) printf '%s: running %s\n' "$0" "$f"; gunzip -c "$f" | docker_process_sql; printf '\n' ;;
			*.sql.xz) printf '%s: running %s\n' "$0" "$f"; xzcat "$f" | docker_process_sql; printf '\n' ;;
			*.sql.zst) printf '%s: running %s\n' "$0" "$f"; zstd -dc "$f" | docker_process_sql; printf '\n' ;;
			*) printf '%s: ignoring %s\n' "$0" "$f" ;;
		esac
		printf '\n'
	done
}

# psql as the superuser into POSTGRES_DB, stopping at the first error; extra arguments are psql's
# (a later --dbname wins).
docker_process_sql() {
	local -a query_runner=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
	if [[ -n "$POSTGRES_DB" ]]; then
		query_runner+=(--dbname "$POSTGRES_DB")
	fi
	PGHOST='' PGHOSTADDR='' "${query_runner[@]}" "$@"
}

# Creates POSTGRES_DB unless it is `postgres` (which initdb made) or exists already.
docker_setup_db() {
	local db_already_exists
	db_already_exists="$(
		docker_process_sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<-'EOSQL'
			SELECT 1 FROM pg_database WHERE datname = :'db' ;
		EOSQL
	)"
	if [[ -z "$db_already_exists" ]]; then
		docker_process_sql --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
		printf '\n'
	fi
}

docker_setup_env() {
	file_env 'POSTGRES_PASSWORD'
	file_env 'POSTGRES_USER' 'postgres'
	file_env 'POSTGRES_DB' "$POSTGRES_USER"
	file_env 'POSTGRES_INITDB_ARGS'
	: "${POSTGRES_HOST_AUTH_METHOD:=}"
	declare -g DATABASE_ALREADY_EXISTS
	: "${DATABASE_ALREADY_EXISTS:=}"
	# A PG_VERSION file means initdb has already run on this PGDATA.
	if [[ -s "$PGDATA/PG_VERSION" ]]; then
		DATABASE_ALREADY_EXISTS='true'
	fi
}

# Every TCP connection from anywhere needs the password (scram-sha-256, the default password
# encryption since PostgreSQL 14), unless POSTGRES_HOST_AUTH_METHOD says otherwise. Connections
# over the Unix socket inside the container are trusted, as initdb sets them up.
pg_setup_hba_conf() {
	# Options such as --help or -C make postgres print and exit; the hba file is then not needed.
	if [[ "$1" == 'postgres' ]]; then
		shift
	fi
	local auth
	auth="$(postgres -C password_encryption "$@")"
	: "${POSTGRES_HOST_AUTH_METHOD:=$auth}"
	{
		printf '\n'
		if [[ "$POSTGRES_HOST_AUTH_METHOD" == 'trust' ]]; then
			printf '# warning trust is enabled for all connections\n'
			printf '# see https://www.postgresql.org/docs/%s/auth-trust.html\n' "${PG_MAJOR:-current}"
		fi
		printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD"
	} >>"$PGDATA/pg_hba.conf"
}

# A server for the init scripts that listens on the Unix socket only, so that no client can
# connect over TCP before initialisation has finished.
docker_temp_server_start() {
	if [[ "$1" == 'postgres' ]]; then
		shift
	fi
	set -- "$@" -c listen_addresses='' -p "${PGPORT:-5432}"
	PGUSER="${PGUSER:-$POSTGRES_USER}" pg_ctl -D "$PGDATA" -o "$(printf '%q ' "$@")" -w start
}

docker_temp_server_stop() {
	PGUSER="${PGUSER:-postgres}" pg_ctl -D "$PGDATA" -m fast -w stop
}

# True when the arguments only ask postgres to print something (--help, --version, -C NAME).
_pg_want_help() {
	local arg
	for arg; do
		case "$arg" in
			-'?' | --help | --describe-config | -V | --version) return 0 ;;
		esac
	done
	return 1
}

_main() {
	# `docker run IMAGE -c shared_buffers=256MB` means postgres with those options.
	if [[ "${1:0:1}" == '-' ]]; then
		set -- postgres "$@"
	fi

	if [[ "$1" == 'postgres' ]] && ! _pg_want_help "$@"; then
		docker_setup_env
		docker_create_db_directories
		if [[ "$(id -u)" == '0' ]]; then
			# Start again as the postgres user; postgres refuses to run as root.
			exec gosu postgres "${BASH_SOURCE[0]}" "$@"
		fi

		if [[ -z "$DATABASE_ALREADY_EXISTS" ]]; then
			docker_verify_minimum_env
			# Fails early, with a clear message, when the init directory cannot be read.
			ls /docker-entrypoint-initdb.d/ >/dev/null
			docker_init_database_dir
			pg_setup_hba_conf "$@"
			# The temporary server trusts the socket, but init scripts that connect over TCP
			# (to localhost) need the password.
			export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
			docker_temp_server_start "$@"
			docker_setup_db
			docker_process_init_files /docker-entrypoint-initdb.d/*
			docker_temp_server_stop
			unset PGPASSWORD
			printf '\nPostgreSQL init process complete; ready for start up.\n\n'
		else
			printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
		fi
	fi

	exec "$@"
}

if ! _is_sourced; then
	_main "$@"
fi
