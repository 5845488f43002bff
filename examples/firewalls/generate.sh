#!/bin/sh
# Regenerates the device dumps in this directory from src/ with the real tools, inside a
# throwaway network namespace (run as root): iptables-restore then iptables-save, and nft -f
# then nft -j list ruleset. The committed outputs are exactly what the tools printed.
set -eu
cd "$(dirname "$0")"
ns="sanso-examples-$$"
ip netns add "$ns"
trap 'ip netns del "$ns"' EXIT
for name in compliant mistakes; do
  ip netns exec "$ns" iptables-restore < "src/$name.rules"
  ip netns exec "$ns" iptables-save > "iptables-$name.save"
  ip netns exec "$ns" iptables -F; ip netns exec "$ns" iptables -X
  ip netns exec "$ns" nft flush ruleset
  ip netns exec "$ns" nft -f "src/$name.nft"
  ip netns exec "$ns" nft -j list ruleset > "nft-$name.json"
  ip netns exec "$ns" nft flush ruleset
done
