#!/usr/bin/env bash
# Holds docs/make-it-yours.md to its word: each optional extra, and all of them at once, is removed
# from a copy of the project by deleting its folders, the lines outside them that import from them
# (at most 3, in src/ and test/) and its marked sections of config/ (`# extra: NAME` … `# end extra: NAME`);
# the copy must then type-check, lint and pass its unit tests.
#   bash .ci/check-extras.sh [NAME …]   (no NAME: each extra, then all at once)
set -euo pipefail
cd "$(dirname "$0")/.."

# The extras and their folders beyond src/extras/NAME and test/extras/NAME.
declare -A MORE_FOLDERS=(
  [dashboard]=''
  [demo-page]='public/dm-jobqueue'
  [idempotency-key]=''
  [lambda]=''
  [metrics]='prometheus'
  [rate-limit-cluster]=''
  [replica-ack]=''
)
MAX_LINES_OUTSIDE=3

# The project as committed plus uncommitted edits (not ignored files), with node_modules linked.
copy_project() {
  local dir
  dir=$(mktemp -d /tmp/dm-jobqueue-extras.XXXXXX)
  git ls-files -z --cached --others --exclude-standard |
    tar --null -T - --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C "$dir"
  ln -s "$PWD/node_modules" "$dir/node_modules"
  echo "$dir"
}

# Removes extra $2 from the copy in $1; prints the wiring lines it deleted outside the folders.
remove_extra() {
  local dir=$1 name=$2
  rm -rf "$dir/src/extras/$name" "$dir/test/extras/$name"
  for folder in ${MORE_FOLDERS[$name]}; do rm -rf "${dir:?}/$folder"; done
  # Wiring: lines importing from the extra's folder (src/extras/index.ts, a test helper).
  local pattern="from '[^']*(extras/|\\./)${name}/"
  (cd "$dir" && grep -rnE --include='*.ts' "$pattern" src test || true)
  find "$dir/src" "$dir/test" -name '*.ts' -print0 | xargs -0 sed -i -E "\\#${pattern}#d"
  # Its config sections: from `# extra: NAME` to `# end extra: NAME`, markers included.
  find "$dir/config" -type f -print0 | xargs -0 sed -i -E "/#[[:space:]]*extra: ${name}[[:space:]]*\$/,/#[[:space:]]*end extra: ${name}[[:space:]]*\$/d"
}

# Type check, lint and unit tests of the copy in $1.
check_copy() {
  local dir=$1
  (cd "$dir" && export NO_COLOR=1 && npx tsc --noEmit -p . && npx eslint src test scripts &&
    npx vitest run src --reporter=dot) >"$dir.log" 2>&1
}

run_case() {
  local label=$1
  shift
  local dir start lines
  start=$(date +%s)
  dir=$(copy_project)
  lines=0
  for name in "$@"; do
    local deleted
    deleted=$(remove_extra "$dir" "$name")
    local count
    count=$(printf '%s' "$deleted" | grep -c . || true)
    if [ "$count" -gt "$MAX_LINES_OUTSIDE" ]; then
      echo "FAIL $label: removing $name deletes $count lines outside its folders (at most $MAX_LINES_OUTSIDE):"
      echo "$deleted"
      return 1
    fi
    lines=$((lines + count))
  done
  if check_copy "$dir"; then
    echo "ok   $label: $lines wiring line(s) deleted, checked in $(($(date +%s) - start)) s"
    rm -rf "$dir" "$dir.log"
  else
    echo "FAIL $label: type check, lint or unit tests failed; the copy is $dir, its output:"
    grep -E -A12 'error TS| error |FAIL ' "$dir.log" | head -60
    return 1
  fi
}

# Every extra in src/extras/ must be listed here, and every listed one must exist.
listed=$(printf '%s\n' "${!MORE_FOLDERS[@]}" | sort)
present=$(find src/extras -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
if [ "$listed" != "$present" ]; then
  echo "FAIL: the extras in src/extras/ ($(echo $present)) differ from this script's list ($(echo $listed))"
  exit 1
fi

names=("$@")
[ ${#names[@]} -gt 0 ] || names=($listed)
failed=0
for name in "${names[@]}"; do run_case "$name" "$name" || failed=1; done
if [ $# -eq 0 ]; then run_case "all at once" "${names[@]}" || failed=1; fi
exit $failed
