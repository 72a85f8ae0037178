package network_test

import (
	"context"
	"testing"
	"time"

	"github.com/flaskops/flask-operator/internal/stagetest"
)

// BenchmarkSteadyStatePass is one resync of a converged seed network: what every Ready
// FlaskDeployment costs each resync period. Besides time it reports the AWS calls a pass
// makes, which is what AWS rate limits (and bills throttling on).
func BenchmarkSteadyStatePass(b *testing.B) {
	r := newRig(b)
	fd := newFD("team-a", "shop")
	r.converge(fd)
	st := &stagetest.Store{}
	before := totalCalls(r)
	b.ResetTimer()
	for range b.N {
		res, err := r.pass(context.Background(), fd, st)
		if err != nil || !res.Done {
			b.Fatalf("steady-state pass: %+v, %v", res, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(totalCalls(r)-before)/float64(b.N), "awscalls/op")
}

// BenchmarkConvergeSeedNetwork builds the seed network from nothing and deletes it again,
// reporting the reconcile passes and the simulated minutes (at AWS-like latencies) until
// NetworkReady: the critical path DESIGN.md wants time-to-Ready to approach.
func BenchmarkConvergeSeedNetwork(b *testing.B) {
	var passes int
	var waited time.Duration
	for range b.N {
		r := newRig(b)
		fd := newFD("team-a", "shop")
		st := &stagetest.Store{}
		for {
			passes++
			res, err := r.pass(context.Background(), fd, st)
			if err != nil {
				b.Fatalf("reconcile: %v", err)
			}
			if res.Done {
				break
			}
			r.clock.Advance(res.RequeueAfter)
			waited += res.RequeueAfter
		}
		r.deleteAll(fd)
	}
	b.ReportMetric(float64(passes)/float64(b.N), "passes/op")
	b.ReportMetric(waited.Minutes()/float64(b.N), "simulated-min/op")
}

func totalCalls(r *rig) int {
	n := 0
	for _, c := range r.sim.Calls() {
		n += c
	}
	return n
}
