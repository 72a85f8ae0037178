package ecr_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"

	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/ecr"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/stagetest"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// crashRig runs the stage through a client that breaks a chosen AWS call after AWS
// applied it.
type crashRig struct {
	sim   *awssim.Sim
	crash *stagetest.Crasher
	stage *ecr.Stage
	check *stageEnv // reads AWS through a client without faults
}

func newCrashRig(t *testing.T) *crashRig {
	t.Helper()
	sim, err := awssim.New(awssim.WithTimeScale(0))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	crash := stagetest.NewCrasher(srv.Client())
	cfg := testenv.SimConfig(srv.URL)
	cfg.HTTPClient = crash
	clients := cloud.NewClients(cfg)
	plain := cloud.NewClients(testenv.SimConfig(srv.URL))
	return &crashRig{sim: sim, crash: crash,
		stage: ecr.New(func(r string) cloud.ECRAPI { return clients.ECR(r) },
			func(r string) cloud.SSMAPI { return clients.SSM(r) }, events.NewFakeRecorder(100), cluster),
		check: &stageEnv{t: t, sim: sim, ecr: plain.ECR(region), ssm: plain.SSM(region)}}
}

// converge runs passes the way the orchestrator does until the stage is Done.
func (r *crashRig) converge(t *testing.T, fd *v1alpha1.FlaskDeployment, st *stagetest.Store) {
	t.Helper()
	for range 5 {
		if res, err := stagetest.Pass(context.Background(), r.stage, fd, st); err == nil && res.Done {
			return
		}
	}
	t.Fatalf("did not converge in 5 passes")
}

// outcome is what AWS holds after a converge: the inventory, the policy, the parameter.
func (r *crashRig) outcome() []string {
	return append(r.check.live(), "policy: "+r.check.policy(), "parameter: "+r.check.paramValue())
}

// TestStageCrashAfterEveryAWSCall cuts a first run short right after its k-th AWS call took
// effect, keeping only the status it checkpointed, then lets a restarted run converge: AWS
// must hold exactly what a clean run leaves, for every k.
func TestStageCrashAfterEveryAWSCall(t *testing.T) {
	clean := newCrashRig(t)
	clean.converge(t, newFD(), &stagetest.Store{})
	total := clean.crash.Count()
	want := clean.outcome()
	if len(want) != 4 || total < 5 {
		t.Fatalf("clean run: %d calls, inventory %v", total, want)
	}
	for k := 1; k <= total; k++ {
		r := newCrashRig(t)
		fd := newFD()
		st := &stagetest.Store{}
		ctx, cancel := context.WithCancel(context.Background())
		r.crash.Arm(k, stagetest.Crash, cancel)
		_, _ = stagetest.Pass(ctx, r.stage, fd, st)
		cancel()
		op := r.crash.CrashedAfter()
		r.crash.Arm(0, stagetest.Crash, nil)
		fd = stagetest.Restarted(fd, st)
		r.converge(t, fd, st)
		if got := r.outcome(); !slices.Equal(got, want) {
			t.Fatalf("crash after call %d (%s): inventory %v, want %v", k, op, got, want)
		}
		if fd.Status.Repository.URI == "" || fd.Status.Repository.ParameterName == "" {
			t.Fatalf("crash after call %d (%s): status %+v", k, op, fd.Status.Repository)
		}
		if n := r.sim.CallCount("ecr", "CreateRepository"); n != 1 {
			t.Fatalf("crash after call %d (%s): CreateRepository called %d times", k, op, n)
		}
		if len(fd.Status.Drift) != 0 {
			t.Fatalf("crash after call %d (%s): finishing the interrupted set-up was reported as drift: %v", k, op, fd.Status.Drift)
		}
	}
}

// TestStageLostAnswers loses the answer of each call in turn; the SDK retries it, and a
// retried create must neither fail the pass nor leave anything extra behind.
func TestStageLostAnswers(t *testing.T) {
	clean := newCrashRig(t)
	clean.converge(t, newFD(), &stagetest.Store{})
	total := clean.crash.Count()
	want := clean.outcome()
	for k := 1; k <= total; k++ {
		r := newCrashRig(t)
		r.crash.Arm(k, stagetest.LoseAnswer, nil)
		if res, err := stagetest.Pass(context.Background(), r.stage, newFD(), &stagetest.Store{}); err != nil || !res.Done {
			t.Fatalf("lost answer of call %d (%s): first pass %+v %v", k, r.crash.CrashedAfter(), res, err)
		}
		if got := r.outcome(); !slices.Equal(got, want) {
			t.Fatalf("lost answer of call %d (%s): inventory %v, want %v", k, r.crash.CrashedAfter(), got, want)
		}
	}
}
