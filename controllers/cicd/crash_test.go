package cicd_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/flaskops/flask-operator/internal/stagetest"
)

// TestCrashAfterEveryAWSCall cuts a converge short right after its k-th AWS call has taken
// effect, for every k: the process dies (only what was checkpointed survives) or the
// answer is lost (the process lives on). The run that follows must leave exactly what a
// clean run leaves, one of everything, and deleting must leave nothing.
func TestCrashAfterEveryAWSCall(t *testing.T) {
	clean := newRig(t)
	counter := clean.crashing()
	fd := newFD(tenant, "shop", clean.connection("github"))
	clean.inputs(fd)
	clean.converge(fd)
	total := counter.Count()
	want := clean.owned(fd)
	if total < 20 || !maps.Equal(want, map[string]int{"s3/bucket": 1, "logs/log-group": 1, "iam/role": 2, "codebuild/project": 1, "codepipeline/pipeline": 1}) {
		t.Fatalf("a clean converge made %d calls and left %v", total, want)
	}
	for _, fault := range []stagetest.Fault{stagetest.Crash, stagetest.LoseAnswer} {
		for k := 1; k <= total; k++ {
			r := newRig(t)
			crash := r.crashing()
			fd := newFD(tenant, "shop", r.connection("github"))
			r.inputs(fd)
			st := &stagetest.Store{}
			st.Save(fd)
			ctx, cancel := context.WithCancel(context.Background())
			crash.Arm(k, fault, cancel)
			for range 20 {
				_, err := stagetest.Pass(ctx, r.stage, fd, st)
				if crash.CrashedAfter() != "" {
					break
				}
				if err != nil {
					t.Fatalf("fault %d k=%d: reconcile before the fault: %v", fault, k, err)
				}
				r.clock.Advance(time.Minute)
			}
			cancel()
			at := fmt.Sprintf("fault %d after call %d (%s)", fault, k, crash.CrashedAfter())
			if crash.CrashedAfter() == "" {
				t.Fatalf("%s: never fired", at)
			}
			crash.Arm(0, fault, nil)
			next := fd
			if fault == stagetest.Crash {
				next = stagetest.Restarted(fd, st)
				r.stage = r.newStage(r.clients) // a new process knows nothing
			}
			r.converge(next)
			if got := r.owned(next); !maps.Equal(got, want) {
				t.Fatalf("%s: the simulator holds %v, want %v", at, got, want)
			}
			r.deleteAll(next)
			if left := r.leftovers(); len(left) != 0 {
				t.Fatalf("%s: delete left %v", at, left)
			}
		}
	}
}
