#!/usr/bin/env bash
# Replays the commands of docs/deploy.md on throwaway PostgreSQL servers made
# from the machine's server binaries (run as root, like a server's
# administrator): preparing the database, migrations and contracts as the
# superuser, the first administrator, loading, a backup with pg_dumpall -r and
# pg_dump, a restore on a second empty server and what it must keep, and an
# upgraded contract. Each server listens on a private socket directory and on
# 127.0.0.1 (ports 55432, 55433) instead of /var/run/postgresql and 5432.
# Everything is removed at the end. CITIZEN_DB names the binary to use.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
[[ $(id -u) == 0 ]] || { echo "check-deploy-guide: run as root (the guide's commands use runuser -u postgres)" >&2; exit 2; }
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)}
BIN=${CITIZEN_DB:-$ROOT/target/debug/citizen-db}
WORK=$(mktemp -d /tmp/citizen-guide.XXXXXX)
chmod 755 "$WORK"
mkdir "$WORK/bin" "$WORK/backup"
ln -s "$BIN" "$WORK/bin/citizen-db"
chown postgres: "$WORK/backup"
export PATH="$WORK/bin:$PGBIN:$PATH"
unset DATABASE_URL CITIZEN_DB_USER CITIZEN_DB_PASSWORD PGUSER PGPASSWORD PGDATABASE

SERVERS=()
cleanup() {
  for dir in "${SERVERS[@]}"; do runuser -u postgres -- pg_ctl -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

server() { # NAME PORT: a new cluster, peer for local sockets, SCRAM over TCP
  local dir=$WORK/$1
  mkdir -p "$dir" && chown postgres: "$dir"
  runuser -u postgres -- initdb -D "$dir/data" -U postgres --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --no-sync >/dev/null
  runuser -u postgres -- pg_ctl -D "$dir/data" -w -l "$dir/log" -o "-k $dir -p $2 -c listen_addresses=127.0.0.1" start >/dev/null
  SERVERS+=("$dir")
  export PGHOST=$dir PGPORT=$2
}
step() { printf '\n== %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
q() { runuser -u postgres -- psql -X -At -d citizen -c "$1"; }
as_login() { # LOGIN ARGS...: citizen-db as a login over TCP, its password from PGPASSWORD (= login name here)
  local login=$1; shift
  PGPASSWORD=$login DATABASE_URL="postgres://$login@127.0.0.1:$PGPORT/citizen?sslmode=disable" citizen-db "$@"
}

server one 55432

step "Preparing the server: the database, migrations and contracts as the superuser"
runuser -u postgres -- createdb citizen
runuser -u postgres -- env DATABASE_URL="postgres://postgres@localhost:$PGPORT/citizen?host=$PGHOST" \
  citizen-db --contracts "$ROOT/contracts" contracts apply
runuser -u postgres -- psql -X -d citizen -c "SELECT rolname, rolcanlogin, rolinherit FROM pg_roles WHERE rolname LIKE 'citizen%' ORDER BY 1"
[[ $(q "SELECT count(*) FROM pg_roles WHERE rolname = 'citizen_owner' AND NOT rolcanlogin") == 1 ]] || fail "citizen_owner"
[[ $(q "SELECT count(*) FROM pg_namespace WHERE nspname IN ('land','stage','core','mart','meta') AND nspowner = 'citizen_owner'::regrole") == 5 ]] \
  || fail "schemas owned by citizen_owner"

step "The first administrator: CREATE ROLE, then \\password (typed at a prompt; here through script(1))"
runuser -u postgres -- psql -d citizen -c "CREATE ROLE dana LOGIN IN ROLE citizen_admin"
# psql reads the new password from the terminal: script(1) gives it one (su, not runuser, under
# script), and each answer is typed once its prompt is there.
(sleep 1; echo dana; sleep 1; echo dana; sleep 1) | timeout 60 script -qec "su postgres -c \"psql -d citizen -c '\\\\password dana'\"" /dev/null >/dev/null
[[ $(q "SELECT rolpassword LIKE 'SCRAM-SHA-256\$%' FROM pg_authid WHERE rolname = 'dana'") == t ]] || fail "dana's password is a SCRAM verifier"
as_login dana --contracts "$ROOT/contracts" contracts apply

step "Logins for a clerk, two supervisors and a reader (password = login name, for this check only)"
for pair in clerk:citizen_clerk supervisor:citizen_supervisor supervisor2:citizen_supervisor reader:citizen_reader; do
  q "CREATE ROLE ${pair%%:*} LOGIN PASSWORD '${pair%%:*}' IN ROLE ${pair#*:}" >/dev/null
done

step "Loading: one approved version and one pending request"
citizen-db sample --dataset welfare_patients --rows 2000 --errors 0 --seed 1 --out "$WORK/welfare_1.csv" >/dev/null
citizen-db sample --dataset welfare_patients --rows 2100 --errors 0 --seed 2 --out "$WORK/welfare_2.csv" >/dev/null
as_login clerk --contracts "$ROOT/contracts" submit "$WORK/welfare_1.csv" --period 2026-11
as_login supervisor approve 1
as_login clerk --contracts "$ROOT/contracts" submit "$WORK/welfare_2.csv" --period 2026-11
before=$(q "SELECT (SELECT count(*) FROM core.welfare_patients_current) || '/' || (SELECT count(*) FROM meta.audit_log)
             || '/' || (SELECT string_agg(received_by || received_at, ',' ORDER BY file_id) FROM land.file)")

step "Backup: roles, then the database"
runuser -u postgres -- pg_dumpall --roles-only -f "$WORK/backup/citizen-roles.sql"
runuser -u postgres -- pg_dump -Fc -d citizen -f "$WORK/backup/citizen.dump"
chmod 600 "$WORK/backup/citizen-roles.sql" "$WORK/backup/citizen.dump"
ls -l "$WORK/backup"

step "Restore on a second, empty server: roles first, then pg_restore -C"
server two 55433
runuser -u postgres -- psql -X -q -f "$WORK/backup/citizen-roles.sql" 2>&1 | grep -v 'role "postgres" already exists' || true
runuser -u postgres -- pg_restore -C -d postgres "$WORK/backup/citizen.dump"
after=$(q "SELECT (SELECT count(*) FROM core.welfare_patients_current) || '/' || (SELECT count(*) FROM meta.audit_log)
            || '/' || (SELECT string_agg(received_by || received_at, ',' ORDER BY file_id) FROM land.file)")
[[ $before == "$after" ]] || fail "restored data differ: $before vs $after"
echo "rows, audit entries, senders and times of landed files: equal"
if q "DELETE FROM meta.audit_log" 2>/dev/null; then fail "the audit log is not append-only after a restore"; fi
echo "the audit log is append-only after the restore (even for the superuser)"
as_login reader versions --dataset welfare_patients
as_login supervisor2 approve 2
as_login reader versions --dataset welfare_patients

step "Upgrading: the same command again runs only new migrations (none here) and unchanged contracts"
runuser -u postgres -- env DATABASE_URL="postgres://postgres@localhost:$PGPORT/citizen?host=$PGHOST" \
  citizen-db --contracts "$ROOT/contracts" contracts apply

step "Upgrading a contract: a new column; a request pending from before is refused at approval"
mkdir "$WORK/contracts"
cp "$ROOT"/contracts/*.yaml "$WORK/contracts/"
sed -i 's/^keys:/  - name: case_worker\n    type: text\n    required: false\nkeys:/' "$WORK/contracts/welfare_patients.yaml"
citizen-db sample --dataset welfare_patients --rows 500 --errors 0 --seed 3 --out "$WORK/welfare_3.csv" >/dev/null
as_login clerk --contracts "$ROOT/contracts" submit "$WORK/welfare_3.csv" --period 2026-12
as_login dana --contracts "$WORK/contracts" contracts apply
set +e
as_login supervisor approve 3; code=$?
set -e
[[ $code == 1 ]] || fail "approving a request of the previous contract exits $code, not 1"
set +e
as_login clerk --contracts "$ROOT/contracts" submit "$WORK/welfare_1.csv" --period 2026-12; code=$?
set -e
[[ $code == 1 ]] || fail "submitting with the previous contract exits $code, not 1"
as_login clerk --contracts "$WORK/contracts" submit "$WORK/welfare_1.csv" --period 2026-12

step "Upgrading a contract: a changed column type is refused with the reason, and nothing changes"
mkdir "$WORK/contracts-typed"
cp "$WORK"/contracts/*.yaml "$WORK/contracts-typed/"
sed -i '/name: street_code/,/type:/ s/type: code/type: integer/' "$WORK/contracts-typed/welfare_patients.yaml"
grep -q 'type: integer' "$WORK/contracts-typed/welfare_patients.yaml" || fail "the type change was not written"
set +e
as_login dana --contracts "$WORK/contracts-typed" contracts apply; code=$?
set -e
[[ $code != 0 ]] || fail "a changed column type was applied"
echo "exit $code"
as_login dana --contracts "$WORK/contracts" contracts apply

echo
echo "every command of the guide ran as written (socket directory and ports aside)"
