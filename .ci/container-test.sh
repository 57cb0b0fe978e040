#!/usr/bin/env bash
# `make container-test`: build the image and run it against PostgreSQL: migrate, serve, answer
# /healthz, /readyz and a page with its hashed static files, stop on SIGTERM. Skips (exit 0,
# saying why) without Podman or without a base image. docs/operations.md, "Containers".
#
#   CIVICLOOP_PYTHON_IMAGE  base image (default docker.io/library/python:3.11-slim-bookworm;
#                           offline: one made with debootstrap + podman import)
#   CONTAINER_PG_URL        PostgreSQL server the container uses over the host network
#                           (default postgres://postgres@127.0.0.1:5432/postgres); a fresh
#                           database civicloop_ct_<pid> is made on it and dropped afterwards
#   CONTAINER_PORT          port for the web container on 127.0.0.1 (default 8398)
#   PODMAN_RUNTIME          OCI runtime to use (default podman's; if that cannot start a
#                           container, as in nested sandboxes, runc with explicit ulimits)
set -euo pipefail
cd "$(dirname "$0")/.."

skip() { echo "container-test: SKIPPED: $*"; exit 0; }
command -v podman >/dev/null || skip "podman is not installed (apt-get install podman)"
BASE=${CIVICLOOP_PYTHON_IMAGE:-docker.io/library/python:3.11-slim-bookworm}
if ! podman image exists "$BASE" && ! timeout 120 podman pull -q "$BASE" >/dev/null 2>&1; then
  skip "base image $BASE is neither present nor pullable (set CIVICLOOP_PYTHON_IMAGE)"
fi

RUNTIME=()   # podman's global options
LIMITS=()    # options of `podman build` and `podman run`
if [[ -n "${PODMAN_RUNTIME:-}" ]]; then RUNTIME=(--runtime "$PODMAN_RUNTIME"); fi
if ! timeout 120 podman "${RUNTIME[@]}" run --rm "$BASE" true >/dev/null 2>&1; then
  # Nested sandboxes: crun refuses hybrid cgroups and raising rlimits; runc with the limits
  # already in force works.
  RUNTIME=(--runtime runc)
  LIMITS=(--ulimit "nofile=$(ulimit -n):$(ulimit -n)" --ulimit "nproc=4096:4096")
  timeout 120 podman "${RUNTIME[@]}" run "${LIMITS[@]}" --rm "$BASE" true >/dev/null 2>&1 \
    || skip "podman cannot start a container here, with crun or with runc"
fi

TAG=localhost/civicloop:container-test
PG=${CONTAINER_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB=civicloop_ct_$$
DB_URL="${PG%/*}/$DB"
ADMIN="${PG%/*}/postgres"
PORT=${CONTAINER_PORT:-8398}
NAME=civicloop-ct-$$
started=$(date +%s)

cleanup() {
  podman "${RUNTIME[@]}" rm -f "$NAME" >/dev/null 2>&1 || true
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "container-test: building $TAG on $BASE"
podman "${RUNTIME[@]}" build -q --format docker "${LIMITS[@]}" \
  --build-arg "PYTHON_IMAGE=$BASE" -t "$TAG" -f Containerfile . >/dev/null
test "$(podman image inspect --format '{{.Config.User}}' "$TAG")" = "10001:10001"

psql "$ADMIN" -qc "CREATE DATABASE $DB" >/dev/null
run=(podman "${RUNTIME[@]}" run "${LIMITS[@]}" --network host
  -e "DATABASE_URL=$DB_URL" -e "SECRET_KEY=container-test-$RANDOM$RANDOM$RANDOM$RANDOM"
  -e ALLOWED_HOSTS=localhost -e SECURE_SSL_REDIRECT=0 -e WEB_CONCURRENCY=1)
KEYS=$("${run[@]}" --rm "$TAG" civicloop keys generate | tail -n1)
run+=(-e "CIVICLOOP_SEALING_KEYS=$KEYS")
FIELD_KEYS=$("${run[@]}" --rm "$TAG" civicloop field-keys generate | tail -n1)
run+=(-e "CIVICLOOP_FIELD_KEYS=$FIELD_KEYS")

echo "container-test: migrate"
"${run[@]}" --rm "$TAG" civicloop migrate --noinput -v0
echo "container-test: serve on 127.0.0.1:$PORT"
"${run[@]}" -d --name "$NAME" "$TAG" \
  civicloop serve --host 127.0.0.1 --port "$PORT" --no-worker >/dev/null

get() { curl -s -o /dev/null -w '%{http_code}' -H 'Host: localhost' "http://127.0.0.1:$PORT$1"; }
for _ in $(seq 1 120); do
  [[ "$(get /healthz)" == 200 ]] && break
  podman "${RUNTIME[@]}" inspect -f '{{.State.Running}}' "$NAME" | grep -q true \
    || { podman logs "$NAME" | tail -40; echo "container-test: FAILED: web exited"; exit 1; }
  sleep 1
done
status=0
for path in /healthz /readyz /accounts/login/; do
  code=$(get "$path")
  echo "container-test: GET $path -> $code"
  [[ "$code" == 200 ]] || status=1
done
css=$(curl -s -H 'Host: localhost' "http://127.0.0.1:$PORT/accounts/login/" \
  | grep -o '/static/[^"]*\.[0-9a-f]\{12\}\.css' | head -n1 || true)
code=$([[ -n "$css" ]] && get "$css" || echo none)
echo "container-test: hashed stylesheet ${css:-not found} -> $code"
[[ "$code" == 200 ]] || status=1

echo "container-test: SIGTERM"
t0=$(date +%s)
podman "${RUNTIME[@]}" stop -t 30 "$NAME" >/dev/null
exit_code=$(podman "${RUNTIME[@]}" inspect -f '{{.State.ExitCode}}' "$NAME")
echo "container-test: web stopped in $(( $(date +%s) - t0 )) s, exit code $exit_code"
[[ "$exit_code" == 0 ]] || status=1
echo "container-test: $([[ $status == 0 ]] && echo PASSED || echo FAILED)" \
  "in $(( $(date +%s) - started )) s"
exit $status
