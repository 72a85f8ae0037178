package network_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/stagetest"
)

// TestCrashAfterEveryAWSCall: for every k, the first run is cut short
// right after its k-th AWS call has taken effect (the stage sees the call fail, and only
// what was checkpointed before survives, as when the process dies), then a restarted run
// converges from the saved status. The simulator must hold exactly one of everything.
func TestCrashAfterEveryAWSCall(t *testing.T) {
	for _, mode := range []v1alpha1.NATGatewayMode{v1alpha1.NATGatewaySingle, v1alpha1.NATGatewayPerAZ} {
		t.Run(string(mode), func(t *testing.T) {
			// A clean run tells how many calls there are to crash after.
			clean := newRig(t)
			fd := newFD("team-a", "shop")
			fd.Spec.Network.NATGateways = mode
			clean.converge(fd)
			total := clean.crash.Count()
			if total < 20 {
				t.Fatalf("a clean converge made only %d calls", total)
			}
			want := counts(clean.sim, clean.cluster, fd)

			for k := 1; k <= total; k++ {
				r := newRig(t)
				fd := newFD("team-a", "shop")
				fd.Spec.Network.NATGateways = mode
				st := &stagetest.Store{}
				st.Save(fd)
				ctx, cancel := context.WithCancel(context.Background())
				r.crash.Arm(k, stagetest.Crash, cancel)
				for range 30 { // passes of the doomed process, until it crashes
					if _, err := r.pass(ctx, fd, st); ctx.Err() != nil {
						break
					} else if err != nil {
						t.Fatalf("k=%d: reconcile before the crash: %v", k, err)
					}
					r.clock.Advance(time.Minute)
				}
				cancel()
				if ctx.Err() == nil {
					t.Fatalf("k=%d: never crashed", k)
				}

				restarted := stagetest.Restarted(fd, st)
				r.crash.Arm(0, stagetest.Crash, nil)
				r.converge(restarted)
				if got := counts(r.sim, r.cluster, restarted); !equalCounts(got, want) {
					t.Fatalf("k=%d: after crash and restart the simulator holds %v, want %v", k, got, want)
				}
				if err := checkTopology(context.Background(), r.ec2, r.cluster, restarted); err != nil {
					t.Fatalf("k=%d: %v", k, err)
				}
				for _, e := range drain(r.events) {
					if strings.Contains(e, "RepairedDrift") {
						t.Fatalf("k=%d: finishing the interrupted set-up was reported as drift: %s", k, e)
					}
				}
				r.deleteAll(restarted)
				if live := r.sim.ListLive(); len(live) != 0 {
					t.Fatalf("k=%d: left after delete: %+v", k, live)
				}
			}
			t.Logf("crashed after each of %d AWS calls; every restart converged to exactly one of each", total)
		})
	}
}

// TestLostResponseIsNotRetriedIntoADuplicate loses the response of each call in turn (a
// reset connection after AWS acted) with the SDK's retries on. A create without a
// ClientToken must not be retried by the SDK, or AWS would hold two; a create with one may
// be, since AWS answers the same token with the same resource.
func TestLostResponseIsNotRetriedIntoADuplicate(t *testing.T) {
	clean := newRig(t)
	fd := newFD("team-a", "shop")
	clean.converge(fd)
	total := clean.crash.Count()
	want := counts(clean.sim, clean.cluster, fd)
	for k := 1; k <= total; k++ {
		r := newRigWithRetries(t, 3)
		fd := newFD("team-a", "shop")
		r.crash.Arm(k, stagetest.LoseAnswer, nil)
		st := &stagetest.Store{}
		for range 30 {
			res, err := r.pass(context.Background(), fd, st)
			if err == nil && res.Done {
				break
			}
			r.clock.Advance(time.Minute)
		}
		if got := counts(r.sim, r.cluster, fd); !equalCounts(got, want) {
			t.Fatalf("k=%d: the simulator holds %v, want %v", k, got, want)
		}
		if err := checkTopology(context.Background(), r.ec2, r.cluster, fd); err != nil {
			t.Fatalf("k=%d: %v", k, err)
		}
	}
}

// TestCrashDuringDelete cuts the delete after each AWS call in turn; the restarted delete
// still ends with nothing left.
func TestCrashDuringDelete(t *testing.T) {
	clean := newRig(t)
	fd := newFD("team-a", "shop")
	clean.converge(fd)
	clean.crash.Arm(0, stagetest.Crash, nil)
	clean.deleteAll(fd)
	total := clean.crash.Count()

	for k := 1; k <= total; k++ {
		r := newRig(t)
		fd := newFD("team-a", "shop")
		r.converge(fd)
		saved := fd.Status.DeepCopy()
		ctx, cancel := context.WithCancel(context.Background())
		r.crash.Arm(k, stagetest.Crash, cancel)
		for range 30 {
			res, err := r.stage.Delete(ctx, fd)
			if ctx.Err() != nil {
				break
			}
			if err != nil {
				t.Fatalf("k=%d: delete before the crash: %v", k, err)
			}
			if res.Done {
				break
			}
			saved = fd.Status.DeepCopy()
			r.clock.Advance(time.Minute)
		}
		cancel()
		restarted := fd.DeepCopy()
		restarted.Status = *saved
		r.crash.Arm(0, stagetest.Crash, nil)
		r.deleteAll(restarted)
		if live := r.sim.ListLive(); len(live) != 0 {
			t.Fatalf("k=%d: left after delete: %+v", k, live)
		}
	}
}
