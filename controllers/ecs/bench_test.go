package ecs_test

import "testing"

// BenchmarkSteadyStatePass is one resync of a converged service: what every Ready
// FlaskDeployment's ecs stage costs each resync period. Besides time it reports the AWS
// calls a pass makes, which is what AWS rate limits.
func BenchmarkSteadyStatePass(b *testing.B) {
	r := newRig(b)
	fd := newFD("team-a", "shop")
	r.buildNetwork(fd)
	r.converge(fd)
	before := totalCalls(r)
	b.ResetTimer()
	for range b.N {
		res, err := r.pass(fd)
		if err != nil || !res.Done {
			b.Fatalf("steady-state pass: %+v, %v", res, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(totalCalls(r)-before)/float64(b.N), "awscalls/op")
}

func totalCalls(r *rig) int {
	n := 0
	for _, c := range r.sim.Calls() {
		n += c
	}
	return n
}
