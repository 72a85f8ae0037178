package ecs_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	"github.com/flaskops/flask-operator/internal/testenv"
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
}

func newRig(t testing.TB, opts ...awssim.Option) *rig {
	t.Helper()
	clock := awssim.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sim, err := awssim.New(append([]awssim.Option{awssim.WithClock(clock)}, opts...)...)
	if err != nil {
		t.Fatalf("new sim: %v", err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region:           region,
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
	}
	clients := cloud.NewClients(cfg)
	rec := events.NewFakeRecorder(1000)
	return &rig{
		t: t, sim: sim, clock: clock, cfg: cfg, clients: clients, events: rec,
		stage:   ecs.New(func(r string) ecs.Clients { return controllers.ECSClients(clients, r) }, rec, testCluster),
		network: network.New(func(r string) cloud.NetworkEC2 { return clients.EC2(r) }, rec, testCluster),
	}
}

// newFD is a FlaskDeployment running a public image (no pipeline), with the seed's tags.
func newFD(ns, name string) *v1alpha1.FlaskDeployment {
	two := int32(2)
	cb := true
	return &v1alpha1.FlaskDeployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(uuid.NewUUID()), Generation: 1},
		Spec: v1alpha1.FlaskDeploymentSpec{
			Region: region,
			Tags:   map[string]string{"project": "mane", "environment": "dev"},
			Network: v1alpha1.NetworkSpec{
				VPCCIDR:            "10.0.0.0/16",
				PublicSubnetCIDRs:  []string{"10.0.1.0/24", "10.0.2.0/24"},
				PrivateSubnetCIDRs: []string{"10.0.3.0/24", "10.0.4.0/24"},
				NATGateways:        v1alpha1.NATGatewaySingle,
			},
			Service: v1alpha1.ServiceSpec{
				Image: "public.ecr.aws/docker/library/python:3.12-slim", ContainerPort: 5000, CPU: 256, Memory: 512,
				DesiredCount: &two, HealthCheckPath: "/", LogRetentionDays: 7,
				Deployment:   v1alpha1.DeploymentSpec{MaximumPercent: 200, MinimumHealthyPercent: 50, CircuitBreaker: &cb},
				LoadBalancer: v1alpha1.LoadBalancerSpec{Port: 80, IdleTimeoutSeconds: 60},
			},
			DeletionPolicy:   v1alpha1.DeletionPolicyDelete,
			ManagementPolicy: v1alpha1.ManagementPolicyFull,
		},
		Status: v1alpha1.FlaskDeploymentStatus{Region: region},
	}
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
func (r *rig) crashing() *crasher {
	cfg := r.cfg.Copy()
	c := &crasher{inner: http.DefaultClient}
	cfg.HTTPClient = c
	clients := cloud.NewClients(cfg)
	r.stage = ecs.New(func(region string) ecs.Clients { return controllers.ECSClients(clients, region) }, r.events, testCluster)
	return c
}

// crasher is an HTTP client that counts AWS calls and, when armed, lets the k-th call
// reach AWS and then cancels the pass's context and reports the cancellation: the stage
// sees the call fail although AWS did it, the worst moment for a crash.
type crasher struct {
	inner  aws.HTTPClient
	mu     sync.Mutex
	n, at  int
	cancel context.CancelFunc
	hit    string // the operation crashed after
}

func (c *crasher) Do(req *http.Request) (*http.Response, error) {
	op := operation(req)
	resp, err := c.inner.Do(req)
	c.mu.Lock()
	c.n++
	hit := c.at > 0 && c.n == c.at
	cancel := c.cancel
	if hit {
		c.hit = op
	}
	c.mu.Unlock()
	if hit && err == nil {
		_ = resp.Body.Close()
		cancel()
		return nil, context.Canceled
	}
	return resp, err
}

// operation names an AWS request: the JSON protocols' X-Amz-Target, else the query
// protocols' Action (EC2, ELBv2, IAM).
func operation(req *http.Request) string {
	if t := req.Header.Get("X-Amz-Target"); t != "" {
		return t[strings.LastIndex(t, ".")+1:]
	}
	if req.Body == nil {
		return req.Method + " " + req.URL.Path
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return ""
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	form, _ := url.ParseQuery(string(body))
	return form.Get("Action")
}

// crashedAfter is the operation the last armed crash came after.
func (c *crasher) crashedAfter() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hit
}

// arm makes the k-th call from now crash (0: never).
func (c *crasher) arm(k int, cancel context.CancelFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n, c.at, c.cancel = 0, k, cancel
}

// count is the number of calls since the last arm.
func (c *crasher) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// store stands in for the API server: the status last checkpointed or patched.
type store struct {
	mu     sync.Mutex
	status v1alpha1.FlaskDeploymentStatus
}

func (s *store) save(fd *v1alpha1.FlaskDeployment) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status = *fd.Status.DeepCopy()
}

func (s *store) load() v1alpha1.FlaskDeploymentStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	return *s.status.DeepCopy()
}

// passSaving runs one Reconcile of the ecs stage the way the orchestrator does: the
// stage's checkpoints go to st, and the status is saved at the end of the pass, unless
// ctx was cancelled (the process died: nothing more is saved).
func (r *rig) passSaving(ctx context.Context, fd *v1alpha1.FlaskDeployment, st *store) (stage.Result, error) {
	ctx = stage.WithCheckpoint(ctx, func(ctx context.Context) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		st.save(fd)
		return nil
	})
	res, err := r.stage.Reconcile(ctx, fd)
	if ctx.Err() == nil {
		if err == nil {
			stagetest.RecordCondition(fd, v1alpha1.ConditionServiceReady, res)
		}
		st.save(fd)
	}
	return res, err
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
