#!/bin/sh
# Starts the gradlab kernel, from its V8 startup snapshot when one was written for exactly
# these files (see kernel/snapshot.ts), and writes that snapshot. The kernelspec runs it.
#
#   kernel.sh NODE CLI TYPESCRIPT ENTRY CONNECTION_FILE   start the kernel
#   kernel.sh --path NODE CLI TYPESCRIPT ENTRY            print where the snapshot lives
#   kernel.sh --build NODE CLI TYPESCRIPT ENTRY           write it (GRADLAB_SNAPSHOT_SPEC set)
#
# The snapshot's name holds a checksum of the four files' paths, sizes and times: another
# Node, another TypeScript or another gradlab looks for another file, so a snapshot is
# never loaded by a binary it was not written for; and one of the gradlab's path, so
# that a new build of it replaces its older snapshot. Here, not in Node, because only a
# process started with --snapshot-blob can use one, and exec keeps the kernel's pid
# (Jupyter signals it).
mode=run
case "$1" in --path|--build) mode=${1#--}; shift ;; esac
node=$1 cli=$2 typescript=$3 entry=$4
# No snapshot where these files cannot be named (a missing file, a stat without -c).
blob=
if stats=$(stat -L -c '%n %s %Y' "$node" "$cli" "$typescript" "$entry" 2>/dev/null); then
  key=$(printf '%s\n' "$stats" | cksum | cut -d ' ' -f 1)
  install=$(printf '%s\n' "$cli" | cksum | cut -d ' ' -f 1)
  blob="${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/gradlab/kernel-$install-$key.blob"
fi

case $mode in
  path)
    echo "$blob"
    ;;
  build)
    [ -n "$blob" ] || { echo "kernel.sh: cannot name the snapshot (stat -c failed on $node $cli $typescript $entry)" >&2; exit 1; }
    mkdir -p "$(dirname "$blob")" || exit 1
    # One writer at a time; a lock left by a build that died goes after ten minutes.
    find "$blob.lock" -maxdepth 0 -mmin +10 -exec rmdir {} \; 2>/dev/null
    mkdir "$blob.lock" 2>/dev/null || exit 0
    trap 'rmdir "$blob.lock" 2>/dev/null' EXIT
    tmp="$blob.$$"
    # The file appears under its name only once complete (a partial one would crash Node).
    # A build that failed leaves why in $blob.failed: kernels do not retry it at every
    # start (gradlab install does).
    if "$node" --snapshot-blob "$tmp" --build-snapshot "$entry" 2>"$blob.log"; then
      mv -f "$tmp" "$blob"
      rm -f "$blob.log" "$blob.failed"
      # This installation's earlier snapshots (an older build of it) go.
      for old in "${blob%-*}"-*.blob; do [ "$old" = "$blob" ] || rm -f "$old"; done
    else
      rm -f "$tmp"
      mv -f "$blob.log" "$blob.failed"
      cat "$blob.failed" >&2
      exit 1
    fi
    ;;
  run)
    if [ "${GRADLAB_SNAPSHOT:-1}" != 0 ] && [ -n "$blob" ] && [ -r "$blob" ]; then
      exec "$node" --snapshot-blob "$blob" "$cli" kernel -f "$5"
    fi
    exec "$node" "$cli" kernel -f "$5"
    ;;
esac
