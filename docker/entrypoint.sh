#!/bin/sh
# The container's entrypoint (Dockerfile). `serve` needs a rule set mounted at
# /etc/sanso/rules: an image that quietly served its bundled sample city instead would look
# healthy and answer for the wrong city. SANSO_SERVE_SAMPLE=1 serves the sample on purpose.
# Other commands (validate, decide, check, …) pass through unchanged. Node runs as PID 1 (exec),
# so it receives SIGTERM itself. The SANSO_ENTRYPOINT_* variables exist for the tests only.
set -eu
rules="${SANSO_ENTRYPOINT_RULES:-/etc/sanso/rules}"
sample="${SANSO_ENTRYPOINT_SAMPLE:-/usr/share/sanso/sample-rules}"
node="${SANSO_ENTRYPOINT_NODE:-node}"
bin="${SANSO_ENTRYPOINT_BIN:-/app/dist/bin/sanso.js}"

if [ "${1:-}" = "serve" ]; then
  if [ -z "$(ls -A "$rules" 2>/dev/null)" ]; then
    if [ "${SANSO_SERVE_SAMPLE:-}" = "1" ]; then
      echo "sanso: no rule set at $rules; serving the bundled sample city (SANSO_SERVE_SAMPLE=1)" >&2
      shift
      # The same arguments without the --rules that named the empty mount.
      skip=0
      for a do
        shift
        if [ "$skip" = 1 ]; then skip=0; continue; fi
        case "$a" in
          --rules) skip=1; continue ;;
          --rules=*) continue ;;
        esac
        set -- "$@" "$a"
      done
      exec "$node" "$bin" serve --rules "$sample" "$@"
    fi
    echo "sanso: no rule set mounted at $rules; mount yours there (-v \"\$PWD/rules:$rules:ro\")," >&2
    echo "sanso: or set SANSO_SERVE_SAMPLE=1 to serve the bundled sample city" >&2
    exit 1
  fi
fi
exec "$node" "$bin" "$@"
