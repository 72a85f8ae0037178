package controllers

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
)

type namedStage struct{ name, condition string }

func (s namedStage) Name() string      { return s.name }
func (s namedStage) Condition() string { return s.condition }
func (namedStage) Reconcile(context.Context, *v1alpha1.FlaskDeployment) (stage.Result, error) {
	return stage.Result{}, nil
}
func (namedStage) Delete(context.Context, *v1alpha1.FlaskDeployment) (stage.Result, error) {
	return stage.Result{}, nil
}

var (
	networkStage = namedStage{"network", v1alpha1.ConditionNetworkReady}
	ecrStage     = namedStage{"ecr", v1alpha1.ConditionRepositoryReady}
	ecsStage     = namedStage{"ecs", v1alpha1.ConditionServiceReady}
)

func TestSummarize(t *testing.T) {
	ready := stage.Ready("ok")
	tests := []struct {
		name            string
		outcomes        []outcome
		wantReady       metav1.ConditionStatus
		wantReason      string
		wantMessage     string
		wantStalled     bool
		wantReconcile   bool
		wantRequeue     time.Duration
		wantRetriable   bool
		wantObservedGen bool
	}{
		{
			name:      "all ready",
			outcomes:  []outcome{{stage: networkStage, result: ready}, {stage: ecrStage, result: ready}},
			wantReady: metav1.ConditionTrue, wantReason: v1alpha1.ReasonReady, wantObservedGen: true,
		},
		{
			name: "all ready, some suspended: Ready says Suspended and what each stage hibernated",
			outcomes: []outcome{
				{stage: networkStage, result: stage.Result{Done: true, Reason: v1alpha1.ReasonSuspended, Message: "suspended: NAT gateways deleted"}},
				{stage: ecrStage, result: ready},
			},
			wantReady: metav1.ConditionTrue, wantReason: v1alpha1.ReasonSuspended,
			wantMessage: "suspended by spec.suspend. network: NAT gateways deleted", wantObservedGen: true,
		},
		{
			name: "suspended but another stage still waiting: not Ready",
			outcomes: []outcome{
				{stage: networkStage, result: stage.Result{Done: true, Reason: v1alpha1.ReasonSuspended, Message: "suspended: NAT gateways deleted"}},
				{stage: ecrStage, result: stage.Waiting("Creating", 5*time.Second, "creating")},
			},
			wantReady: metav1.ConditionFalse, wantReason: "Creating", wantMessage: "creating", wantReconcile: true,
			wantRequeue: 5 * time.Second, wantObservedGen: true,
		},
		{
			name: "waiting stages requeue at the soonest interval",
			outcomes: []outcome{
				{stage: networkStage, result: stage.Waiting("WaitingForNATGateway", 15*time.Second, "nat pending")},
				{stage: ecrStage, result: stage.Waiting("Creating", 5*time.Second, "creating")},
			},
			wantReady: metav1.ConditionFalse, wantReason: "WaitingForNATGateway", wantReconcile: true,
			wantRequeue: 5 * time.Second, wantObservedGen: true,
		},
		{
			name: "retriable error: Unknown, and observedGeneration is not advanced",
			outcomes: []outcome{
				{stage: networkStage, err: errors.New("throttled")},
				{stage: ecrStage, result: ready},
			},
			wantReady: metav1.ConditionUnknown, wantReason: v1alpha1.ReasonRetrying, wantReconcile: true, wantRetriable: true,
		},
		{
			name: "stalled: a stage waiting for another's output does not bring the resync forward; one watching AWS does",
			outcomes: []outcome{
				{stage: networkStage, err: stage.Terminalf(v1alpha1.ReasonUnresolvableEndpoint, "no such host")},
				{stage: ecsStage, result: stage.Waiting(v1alpha1.ReasonWaitingForNetwork, 10*time.Second, "waiting for the network")},
				{stage: ecrStage, result: stage.Waiting("Creating", 20*time.Second, "creating")},
			},
			wantReady: metav1.ConditionFalse, wantReason: v1alpha1.ReasonUnresolvableEndpoint, wantStalled: true,
			wantRequeue: 20 * time.Second, wantObservedGen: true,
		},
		{
			name: "not stalled, a stage waiting for another's output is polled",
			outcomes: []outcome{
				{stage: networkStage, result: ready},
				{stage: ecrStage, result: ready},
				{stage: ecsStage, result: stage.Waiting(v1alpha1.ReasonWaitingForNetwork, 10*time.Second, "waiting for the network")},
			},
			wantReady: metav1.ConditionFalse, wantReason: v1alpha1.ReasonWaitingForNetwork, wantReconcile: true,
			wantRequeue: 10 * time.Second, wantObservedGen: true,
		},
		{
			name: "terminal error stalls",
			outcomes: []outcome{
				{stage: networkStage, err: stage.Terminalf(v1alpha1.ReasonAWSValidationError, "bad CIDR")},
				{stage: ecrStage, result: ready},
			},
			wantReady: metav1.ConditionFalse, wantReason: v1alpha1.ReasonAWSValidationError, wantStalled: true, wantObservedGen: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fd := &v1alpha1.FlaskDeployment{}
			fd.Generation = 3
			s := summarize(fd, tt.outcomes, nil)
			c := meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionReady)
			if c == nil || c.Status != tt.wantReady || c.Reason != tt.wantReason {
				t.Fatalf("Ready = %+v, want %s/%s", c, tt.wantReady, tt.wantReason)
			}
			if tt.wantMessage != "" && (c.Message != tt.wantMessage || fd.Status.Message != tt.wantMessage) {
				t.Errorf("Ready message %q, status.message %q, want %q", c.Message, fd.Status.Message, tt.wantMessage)
			}
			if got := meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionStalled); got != tt.wantStalled {
				t.Errorf("Stalled = %v, want %v", got, tt.wantStalled)
			}
			if got := meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionReconciling); got != tt.wantReconcile {
				t.Errorf("Reconciling = %v, want %v", got, tt.wantReconcile)
			}
			if s.requeueAfter != tt.wantRequeue {
				t.Errorf("requeueAfter = %v, want %v", s.requeueAfter, tt.wantRequeue)
			}
			if (s.retriable != nil) != tt.wantRetriable {
				t.Errorf("retriable = %v, want %v", s.retriable, tt.wantRetriable)
			}
			if got := fd.Status.ObservedGeneration == 3; got != tt.wantObservedGen {
				t.Errorf("observedGeneration = %d, want advanced=%v", fd.Status.ObservedGeneration, tt.wantObservedGen)
			}
			for _, st := range []namedStage{networkStage, ecrStage} {
				if meta.FindStatusCondition(fd.Status.Conditions, st.condition) == nil {
					t.Errorf("no %s condition", st.condition)
				}
			}
		})
	}
}

func TestSummarizeSpecError(t *testing.T) {
	fd := &v1alpha1.FlaskDeployment{}
	s := summarize(fd, nil, stage.Terminalf(v1alpha1.ReasonInvalidSpec, "spec.region cannot change"))
	if s.stalled == nil || !meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionStalled) {
		t.Fatal("a spec error must stall")
	}
	if c := meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionReady); c.Reason != v1alpha1.ReasonInvalidSpec {
		t.Fatalf("Ready reason = %s, want %s", c.Reason, v1alpha1.ReasonInvalidSpec)
	}
}

func TestResolveRegion(t *testing.T) {
	r := &FlaskDeploymentReconciler{DefaultRegion: "us-east-1"}
	fd := &v1alpha1.FlaskDeployment{}
	if err := r.resolveRegion(fd); err != nil || fd.Status.Region != "us-east-1" {
		t.Fatalf("first pass: region %q, err %v", fd.Status.Region, err)
	}
	r.DefaultRegion = "eu-west-1"
	if err := r.resolveRegion(fd); err != nil || fd.Status.Region != "us-east-1" {
		t.Fatalf("a changed operator default must not move the object: region %q, err %v", fd.Status.Region, err)
	}
	fd.Spec.Region = "ap-south-1"
	if _, ok := stage.AsTerminal(r.resolveRegion(fd)); !ok {
		t.Fatal("a changed spec.region must be refused as terminal")
	}
}

func TestSummarizeDelete(t *testing.T) {
	tests := []struct {
		name            string
		o               outcome
		wantBlocked     string
		wantStalled     bool
		wantRequeue     time.Duration
		wantRetriable   bool
		wantObservedGen bool
	}{
		{
			name:        "still deleting: polled at the stage's interval",
			o:           outcome{stage: networkStage, result: stage.Waiting("WaitingForNATGateway", 15*time.Second, "nat deleting")},
			wantBlocked: "WaitingForNATGateway", wantRequeue: 15 * time.Second, wantObservedGen: true,
		},
		{
			name:        "still deleting without an interval: polled anyway",
			o:           outcome{stage: networkStage},
			wantBlocked: v1alpha1.ReasonDeleting, wantRequeue: 5 * time.Second, wantObservedGen: true,
		},
		{
			name:        "retriable error: observedGeneration is not advanced",
			o:           outcome{stage: networkStage, err: errors.New("throttled")},
			wantBlocked: v1alpha1.ReasonRetrying, wantRetriable: true,
		},
		{
			name:        "terminal error stalls",
			o:           outcome{stage: networkStage, err: stage.Terminalf(v1alpha1.ReasonAccessDenied, "UnauthorizedOperation")},
			wantBlocked: v1alpha1.ReasonAccessDenied, wantStalled: true, wantObservedGen: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fd := &v1alpha1.FlaskDeployment{}
			fd.Generation = 3
			fd.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionRepositoryReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonReady}}
			s := summarizeDelete(fd, tt.o, []stage.Stage{ecrStage})
			if c := meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionDeletionBlocked); c == nil || c.Reason != tt.wantBlocked {
				t.Errorf("DeletionBlocked = %+v, want reason %s", c, tt.wantBlocked)
			}
			if c := meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionReady); c == nil || c.Reason != v1alpha1.ReasonDeleting {
				t.Errorf("Ready = %+v, want reason %s", c, v1alpha1.ReasonDeleting)
			}
			if c := meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionRepositoryReady); c == nil || c.Status != metav1.ConditionFalse || c.Reason != v1alpha1.ReasonDeleted {
				t.Errorf("RepositoryReady of the stage already deleted = %+v, want False/%s", c, v1alpha1.ReasonDeleted)
			}
			if got := meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionStalled); got != tt.wantStalled {
				t.Errorf("Stalled = %v, want %v", got, tt.wantStalled)
			}
			if got := meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionReconciling); got == tt.wantStalled {
				t.Errorf("Reconciling = %v, want %v", got, !tt.wantStalled)
			}
			if s.requeueAfter != tt.wantRequeue {
				t.Errorf("requeueAfter = %v, want %v", s.requeueAfter, tt.wantRequeue)
			}
			if (s.retriable != nil) != tt.wantRetriable {
				t.Errorf("retriable = %v, want %v", s.retriable, tt.wantRetriable)
			}
			if got := fd.Status.ObservedGeneration == 3; got != tt.wantObservedGen {
				t.Errorf("observedGeneration = %d, want advanced=%v", fd.Status.ObservedGeneration, tt.wantObservedGen)
			}
		})
	}
}

// The Warning event is sent on the transition to Stalled, not on every recheck.
func TestNewlyStalledOnlyOnTransition(t *testing.T) {
	fd := &v1alpha1.FlaskDeployment{}
	terminal := outcome{stage: networkStage, err: stage.Terminalf(v1alpha1.ReasonAccessDenied, "UnauthorizedOperation")}
	if !summarizeDelete(fd, terminal, nil).newlyStalled {
		t.Fatal("the first stalled pass must be reported as newly stalled")
	}
	if summarizeDelete(fd, terminal, nil).newlyStalled {
		t.Fatal("a recheck of a stalled object must not be reported as newly stalled")
	}
	if !summarize(&v1alpha1.FlaskDeployment{}, []outcome{terminal}, nil).newlyStalled {
		t.Fatal("summarize must report the transition too")
	}
}

func TestRecordTagKeys(t *testing.T) {
	tests := []struct {
		name  string
		ready bool
		was   []string
		spec  map[string]string
		want  []string
	}{
		{"ready: exactly the spec's keys", true, []string{"cost", "team"}, map[string]string{"team": "a"}, []string{"team"}},
		{"not ready: removed keys are kept until every stage took them off", false, []string{"cost", "team"},
			map[string]string{"team": "a", "env": "dev"}, []string{"cost", "env", "team"}},
		{"no tags at all", true, []string{"cost"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fd := &v1alpha1.FlaskDeployment{}
			fd.Spec.Tags, fd.Status.TagKeys = tt.spec, tt.was
			status := metav1.ConditionFalse
			if tt.ready {
				status = metav1.ConditionTrue
			}
			fd.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: status, Reason: "Test"}}
			recordTagKeys(fd)
			if !slices.Equal(fd.Status.TagKeys, tt.want) {
				t.Fatalf("tagKeys = %v, want %v", fd.Status.TagKeys, tt.want)
			}
		})
	}
}
