#!/bin/sh
# Runs issue 14's scale benchmarks (docs/BENCHMARKS.md "Several nodes and
# 100,000 jump clients"): idle jump clients and a reconnect storm on one
# node for a series of N, the cross-node relay, and one node against two on
# the same load. Each N runs in its own process (a fresh heap). Long: about
# 20 minutes on 2 cores. N is bounded by the open-file limit of one process
# (each connection is a descriptor in the site and one in the load
# generator); raise `ulimit -n` (hard) for more.
set -eu
cd "$(dirname "$0")/.."
go test -c -o /tmp/tether-site.test ./site
cd site
limit=$(ulimit -Hn)
for n in ${TETHER_SCALE_NS:-2500 5000 10000 19000 30000 60000 100000}; do
	if [ "$limit" != unlimited ] && [ "$n" -gt $((limit - 600)) ]; then
		echo "N=$n skipped: the hard open-file limit is $limit"
		continue
	fi
	TETHER_BENCH_SCALE_N=$n TETHER_BENCH_JC_HEARTBEAT=25s \
		/tmp/tether-site.test -test.run '^$' -test.bench ScaleJumpClients -test.benchtime 1x -test.timeout 60m
done
/tmp/tether-site.test -test.run '^$' -test.bench ClusterRelay -test.benchtime 500x
TETHER_BENCH_CLUSTER_N=${TETHER_CLUSTER_N:-9000} TETHER_BENCH_JC_HEARTBEAT=25s \
	/tmp/tether-site.test -test.run '^$' -test.bench ClusterIdleJumpClients -test.benchtime 1x -test.timeout 60m
