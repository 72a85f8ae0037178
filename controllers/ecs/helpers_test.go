package ecs_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/controllers/ecs"
	"github.com/flaskops/flask-operator/controllers/network"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/stagetest"
)

const region = "us-east-1"

// testCluster is the --cluster-name of the manager the stage tests stand in for.
const testCluster = "unit"

// owner is fd's identity under that manager: its tags and names.
func owner(fd *v1alpha1.FlaskDeployment) cloud.Owner { return cloud.NewOwner(testCluster, fd) }

// rig is one simulator on a manual clock, the ecs stage, and a network stage that builds
// the VPC and subnets the service is placed in (tests may use both stages; the stages
// never use each other).
type rig struct {
	t       testing.TB
	sim     *awssim.Sim
	clock   *awssim.ManualClock
	cfg     aws.Config // the plain clients' configuration
	clients *cloud.Clients
	stage   *ecs.Stage
	network *network.Stage
	events  *events.FakeRecorder
	// requests are the AWS requests the simulator received, as "<operation> <body>".
	requests *requestLog
}

// requestLog records the requests a handler receives.
type requestLog struct {
	mu   sync.Mutex
	list []string
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		op := stagetest.Operation(req) // reads the body and puts it back
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		l.mu.Lock()
		l.list = append(l.list, op+" "+string(body))
		l.mu.Unlock()
		h.ServeHTTP(w, req)
	})
}

// all returns the requests so far.
func (l *requestLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.list)
}

func newRig(t testing.TB, opts ...awssim.Option) *rig {
	t.Helper()
	clock := awssim.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sim, err := awssim.New(append([]awssim.Option{awssim.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatalf("new sim: %v", err)
	}
	requests := &requestLog{}
	srv := httptest.NewServer(requests.wrap(sim))
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:       region,
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	}
	stagetest.RetryBrokenConnections(&cfg)
	clients := cloud.NewClients(cfg)
	rec := events.NewFakeRecorder(1000)
	return &rig{
		t: t, sim: sim, clock: clock, cfg: cfg, clients: clients, events: rec, requests: requests,
		stage:   ecs.New(func(r string) ecs.Clients { return controllers.ECSClients(clients, r) }, rec, testCluster),
		network: network.New(func(r string) cloud.NetworkEC2 { return clients.EC2(r) }, rec, testCluster),
	}
}

// newFD is a FlaskDeployment running a public image (no pipeline), with the seed's tags
// and the API's defaults, as the API server would store it.
func newFD(ns, name string) *v1alpha1.FlaskDeployment {
	fd := &v1alpha1.FlaskDeployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uuid.NewUUID()), Generation: 1},
		Spec: v1alpha1.FlaskDeploymentSpec{
			Region:  region,
			Tags:    map[string]string{"project": "mane", "environment": "dev"},
			Service: v1alpha1.ServiceSpec{Image: "public.ecr.aws/docker/library/python:3.12-slim"},
		},
		Status: v1alpha1.FlaskDeploymentStatus{Region: region},
	}
	if err := stagetest.Defaulted(fd); err != nil {
		panic(err)
	}
	return fd
}

// buildNetwork runs the network stage until its VPC, subnets and NAT gateway are ready.
func (r *rig) buildNetwork(fd *v1alpha1.FlaskDeployment) {
	r.t.Helper()
	for range 30 {
		res, err := r.network.Reconcile(context.Background(), fd)
		if err != nil {
			r.t.Fatalf("network: %v", err)
		}
		if res.Done {
			return
		}
		r.clock.Advance(time.Minute)
	}
	r.t.Fatalf("network not ready after 30 passes")
}

// pass runs one Reconcile of the ecs stage the way the orchestrator does (checkpoints
// accepted, the stage's condition set from the result).
func (r *rig) pass(fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	ctx := stage.WithCheckpoint(context.Background(), func(context.Context) error { return nil })
	res, err := r.stage.Reconcile(ctx, fd)
	if err == nil {
		stagetest.RecordCondition(fd, v1alpha1.ConditionServiceReady, res)
	}
	return res, err
}

// converge runs passes until the stage is Done, moving the clock over AWS's delays.
func (r *rig) converge(fd *v1alpha1.FlaskDeployment) stage.Result {
	r.t.Helper()
	for range 40 {
		res, err := r.pass(fd)
		if err != nil {
			r.t.Fatalf("reconcile: %v", err)
		}
		if res.Done {
			return res
		}
		r.clock.Advance(time.Minute)
	}
	r.t.Fatalf("service not ready after 40 passes: %+v", fd.Status.Conditions)
	return stage.Result{}
}

// deleteAll runs Delete until Done, moving the clock over AWS's delays.
func (r *rig) deleteAll(fd *v1alpha1.FlaskDeployment) {
	r.t.Helper()
	for range 40 {
		res, err := r.stage.Delete(context.Background(), fd)
		if err != nil {
			r.t.Fatalf("delete: %v", err)
		}
		if res.Done {
			return
		}
		r.clock.Advance(time.Minute)
	}
	r.t.Fatalf("service not deleted after 40 passes")
}

// owned lists "service/type" of the live resources whose tags prove them fd's, of the ecs
// stage.
func (r *rig) owned(fd *v1alpha1.FlaskDeployment) map[string]int {
	out := map[string]int{}
	for _, res := range r.sim.ListLive() {
		if owner(fd).Owns(res.Tags) && res.Tags[cloud.TagStage] == ecs.Name {
			out[res.Service+"/"+res.Type]++
		}
	}
	return out
}

// crashing gives the ecs stage SDK clients whose HTTP client is a crasher and returns it;
// the network stage and r.clients keep the plain ones, so only the ecs stage's calls count.
// With attempts above one the SDK makes up to attempts attempts of a call it deems
// retryable, without waiting in between; with one, it retries only a broken loopback
// connection (a crash cancels the pass, which is never retried).
func (r *rig) crashing(attempts int) *stagetest.Crasher {
	cfg := r.cfg.Copy()
	c := stagetest.NewCrasher(http.DefaultClient)
	cfg.HTTPClient = c
	if attempts > 1 {
		cfg.RetryMaxAttempts = attempts
		cfg.Retryer = func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = attempts
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			})
		}
	}
	clients := cloud.NewClients(cfg)
	r.stage = ecs.New(func(region string) ecs.Clients { return controllers.ECSClients(clients, region) }, r.events, testCluster)
	return c
}

// deleteNetwork runs the network stage's Delete until Done.
func (r *rig) deleteNetwork(fd *v1alpha1.FlaskDeployment) {
	r.t.Helper()
	for range 40 {
		res, err := r.network.Delete(context.Background(), fd)
		if err != nil {
			r.t.Fatalf("network delete: %v", err)
		}
		if res.Done {
			return
		}
		r.clock.Advance(time.Minute)
	}
	r.t.Fatalf("network not deleted after 40 passes")
}
