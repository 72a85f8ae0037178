package ecr_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"syscall"
	"testing"

	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/ecr"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

// faultyHTTP counts AWS calls and breaks the k-th one after AWS has acted on it: either the
// process "dies" (the call fails with the context cancelled) or the response is lost (a reset
// connection, which the SDK retries).
type faultyHTTP struct {
	inner  *http.Client
	mu     sync.Mutex
	n, at  int
	lose   bool
	cancel context.CancelFunc
}

func (f *faultyHTTP) Do(req *http.Request) (*http.Response, error) {
	resp, err := f.inner.Do(req)
	f.mu.Lock()
	f.n++
	hit := f.at > 0 && f.n == f.at
	f.mu.Unlock()
	if !hit || err != nil {
		return resp, err
	}
	_ = resp.Body.Close()
	if f.lose {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	}
	f.cancel()
	return nil, context.Canceled
}

func (f *faultyHTTP) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

type faultyRig struct {
	sim   *awssim.Sim
	http  *faultyHTTP
	stage *ecr.Stage
	check *stageEnv // reads AWS through a client without faults
}

func newFaultyRig(t *testing.T) *faultyRig {
	t.Helper()
	sim, err := awssim.New(awssim.WithTimeScale(0))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	f := &faultyHTTP{inner: srv.Client()}
	cfg := testenv.SimConfig(srv.URL)
	cfg.HTTPClient = f
	clients := cloud.NewClients(cfg)
	plain := cloud.NewClients(testenv.SimConfig(srv.URL))
	return &faultyRig{sim: sim, http: f, stage: ecr.New(func(r string) cloud.ECRAPI { return clients.ECR(r) },
		func(r string) cloud.SSMAPI { return clients.SSM(r) }, events.NewFakeRecorder(100)),
		check: &stageEnv{t: t, sim: sim, ecr: plain.ECR(region), ssm: plain.SSM(region)}}
}

// converge runs passes until the stage is Done; ctx carries the checkpoint.
func (r *faultyRig) converge(t *testing.T, ctx context.Context, fd *v1alpha1.FlaskDeployment) {
	t.Helper()
	for range 5 {
		res, err := r.stage.Reconcile(ctx, fd)
		if err == nil {
			stagetest.RecordCondition(fd, v1alpha1.ConditionRepositoryReady, res)
		}
		if err == nil && res.Done {
			return
		}
	}
	t.Fatalf("did not converge in 5 passes")
}

// outcome is what AWS holds after a converge: the inventory, the policy, the parameter.
func (r *faultyRig) outcome(t *testing.T) []string {
	t.Helper()
	return append(r.check.live(), "policy: "+r.check.policy(), "parameter: "+r.check.paramValue())
}

// TestStageCrashAfterEveryAWSCall cuts a first run short right after its k-th AWS call took
// effect, keeping only the status it checkpointed, then lets a restarted run converge: AWS
// must hold exactly what a clean run leaves, for every k.
func TestStageCrashAfterEveryAWSCall(t *testing.T) {
	clean := newFaultyRig(t)
	clean.converge(t, context.Background(), newFD())
	total := clean.http.calls()
	want := clean.outcome(t)
	if len(want) != 4 || total < 5 {
		t.Fatalf("clean run: %d calls, inventory %v", total, want)
	}
	for k := 1; k <= total; k++ {
		r := newFaultyRig(t)
		fd := newFD()
		var saved v1alpha1.FlaskDeploymentStatus
		ctx, cancel := context.WithCancel(context.Background())
		ctx = stage.WithCheckpoint(ctx, func(context.Context) error { saved = *fd.Status.DeepCopy(); return nil })
		r.http.at, r.http.cancel = k, cancel
		_, _ = r.stage.Reconcile(ctx, fd)
		fd.Status = saved // the process died: only the checkpointed status survives
		r.http.at = 0
		r.converge(t, stage.WithCheckpoint(context.Background(), func(context.Context) error { return nil }), fd)
		if got := r.outcome(t); !slices.Equal(got, want) {
			t.Fatalf("crash after call %d: inventory %v, want %v", k, got, want)
		}
		if fd.Status.Repository.URI == "" || fd.Status.Repository.ParameterName == "" {
			t.Fatalf("crash after call %d: status %+v", k, fd.Status.Repository)
		}
		if n := r.sim.CallCount("ecr", "CreateRepository"); n != 1 {
			t.Fatalf("crash after call %d: CreateRepository called %d times", k, n)
		}
		if len(fd.Status.Drift) != 0 {
			t.Fatalf("crash after call %d: finishing the interrupted set-up was reported as drift: %v", k, fd.Status.Drift)
		}
	}
}

// TestStageLostResponses loses the response of each call in turn; the SDK retries it, and
// a retried create must not fail the stage for long nor leave anything extra behind.
func TestStageLostResponses(t *testing.T) {
	clean := newFaultyRig(t)
	clean.converge(t, context.Background(), newFD())
	total := clean.http.calls()
	want := clean.outcome(t)
	for k := 1; k <= total; k++ {
		r := newFaultyRig(t)
		fd := newFD()
		r.http.at, r.http.lose = k, true
		if res, err := r.stage.Reconcile(context.Background(), fd); err != nil || !res.Done {
			t.Fatalf("lost response of call %d: first pass %+v %v", k, res, err)
		}
		if got := r.outcome(t); !slices.Equal(got, want) {
			t.Fatalf("lost response of call %d: inventory %v, want %v", k, got, want)
		}
	}
}
