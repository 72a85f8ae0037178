package ecs_test

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/flaskops/flask-operator/internal/stagetest"
)

// TestCrashAfterEveryAWSCall is the network stage's crash test for the ecs stage: for
// every k, the first run is cut short right after its k-th AWS call has taken effect (the
// stage sees the call fail, and only what was checkpointed survives, as when the process
// dies), then a restarted run converges from the saved status. The network is built first
// on uncrashed clients; only the ecs stage's own calls are crashed after. The simulator must
// then hold exactly what a clean run leaves: one role, log group, load balancer, target
// group, listener, cluster, service, two security groups, and one ACTIVE task definition
// revision (a revision registered just before a crash is found again as the family's
// latest and reused, not registered twice), with the service steady at two tasks; the
// delete must leave nothing of the stage, and the network must delete after it.
func TestCrashAfterEveryAWSCall(t *testing.T) {
	// A clean run tells how many calls there are to crash after.
	clean := newRig(t)
	crash := clean.crashing(1)
	fd := newFD("team-a", "shop")
	clean.buildNetwork(fd)
	clean.converge(fd)
	total := crash.Count()
	if total < 20 {
		t.Fatalf("a clean converge made only %d calls", total)
	}
	want := clean.owned(fd)
	for _, typ := range []string{"iam/role", "logs/log-group", "elasticloadbalancing/loadbalancer", "elasticloadbalancing/targetgroup", "elasticloadbalancing/listener",
		"ecs/cluster", "ecs/task-definition", "ecs/service"} {
		if want[typ] != 1 {
			t.Fatalf("a clean converge left %v: want exactly one %s", want, typ)
		}
	}
	if want["ec2/security-group"] != 2 {
		t.Fatalf("a clean converge left %v: want two security groups", want)
	}

	var ops []string
	for k := 1; k <= total; k++ {
		r := newRig(t)
		crash := r.crashing(1)
		fd := newFD("team-a", "shop")
		r.buildNetwork(fd)
		st := &stagetest.Store{}
		st.Save(fd)
		ctx, cancel := context.WithCancel(context.Background())
		crash.Arm(k, stagetest.Crash, cancel)
		for range 40 { // passes of the doomed process, until it crashes
			if _, err := stagetest.Pass(ctx, r.stage, fd, st); ctx.Err() != nil {
				break
			} else if err != nil {
				t.Fatalf("k=%d: reconcile before the crash: %v", k, err)
			}
			r.clock.Advance(time.Minute)
		}
		crashed := ctx.Err() != nil
		cancel()
		if !crashed {
			t.Fatalf("k=%d: never crashed", k)
		}
		k := fmt.Sprintf("%d (%s)", k, crash.CrashedAfter())
		ops = append(ops, k)

		drain(r)
		restarted := stagetest.Restarted(fd, st)
		crash.Arm(0, stagetest.Crash, nil)
		r.converge(restarted)
		if got := r.owned(restarted); !maps.Equal(got, want) {
			t.Fatalf("k=%s: after crash and restart the simulator holds %v, want %v", k, got, want)
		}
		svc := r.service(restarted)
		if svc.DesiredCount != 2 || svc.RunningCount != 2 || restarted.Status.Service.RunningCount != 2 || len(svc.Deployments) != 1 {
			t.Fatalf("k=%s: service desired %d running %d (status %d), %d deployments", k,
				svc.DesiredCount, svc.RunningCount, restarted.Status.Service.RunningCount, len(svc.Deployments))
		}
		if len(restarted.Status.Drift) != 0 {
			t.Fatalf("k=%s: finishing the interrupted set-up was reported as drift: %v", k, restarted.Status.Drift)
		}
		for _, e := range drain(r) {
			if strings.Contains(e, "RepairedDrift") {
				t.Fatalf("k=%s: finishing the interrupted set-up was reported as drift: %s", k, e)
			}
		}

		r.deleteAll(restarted)
		if left := r.owned(restarted); len(left) != 0 {
			t.Fatalf("k=%s: left after delete: %v", k, left)
		}
		r.deleteNetwork(restarted)
		if live := r.sim.ListLive(); len(live) != 0 {
			t.Fatalf("k=%s: left after the network's delete: %+v", k, live)
		}
	}
	t.Logf("crashed after each of %d AWS calls of the ecs stage; every restart converged to exactly one of each: %s", total, strings.Join(ops, ", "))
}

// TestLostAnswerIsNotRetriedIntoADuplicate loses the answer of each of the stage's AWS
// calls in turn (the connection resets after AWS acted) with the SDK's retries on, as in
// production. A call the SDK retries must be one AWS answers the same way the second time
// (a ClientToken, a create idempotent by name, or an already-exists error the stage reads
// back); any other create is not retried, and the next pass finds what it made. Either
// way the stage converges to exactly what a clean run leaves.
func TestLostAnswerIsNotRetriedIntoADuplicate(t *testing.T) {
	clean := newRig(t)
	crash := clean.crashing(3)
	fd := newFD("team-a", "shop")
	clean.buildNetwork(fd)
	clean.converge(fd)
	total := crash.Count()
	want := clean.owned(fd)

	for k := 1; k <= total; k++ {
		r := newRig(t)
		crash := r.crashing(3)
		fd := newFD("team-a", "shop")
		r.buildNetwork(fd)
		crash.Arm(k, stagetest.LoseAnswer, nil)
		done := false
		for range 40 {
			res, err := r.pass(fd)
			if done = err == nil && res.Done; done {
				break
			}
			r.clock.Advance(time.Minute)
		}
		if !done {
			t.Fatalf("k=%d (%s): not converged after 40 passes", k, crash.CrashedAfter())
		}
		if got := r.owned(fd); !maps.Equal(got, want) {
			t.Fatalf("k=%d (%s): the simulator holds %v, want %v", k, crash.CrashedAfter(), got, want)
		}
	}
}

// drain returns the events recorded so far.
func drain(r *rig) []string { return stagetest.Events(r.events) }
