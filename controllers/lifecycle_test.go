package controllers

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

func TestJitter(t *testing.T) {
	for _, tc := range []struct {
		period time.Duration
		f      float64
		want   time.Duration
	}{
		{10 * time.Minute, 0, 9 * time.Minute},
		{10 * time.Minute, 0.5, 10 * time.Minute},
		{10 * time.Minute, 0.75, 10*time.Minute + 30*time.Second},
		{2 * time.Second, 0.25, 1900 * time.Millisecond},
		{0, 0.3, 0},
	} {
		if got := jitter(tc.period, tc.f); got != tc.want {
			t.Errorf("jitter(%v, %v) = %v, want %v", tc.period, tc.f, got, tc.want)
		}
	}
}

func TestJitterSpreadsResyncsOverTwentyPercent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const period = 10 * time.Minute
	lo, hi := period, period
	seen := map[time.Duration]bool{}
	for range 10000 {
		d := jitter(period, rng.Float64())
		if d < 9*time.Minute || d >= 11*time.Minute {
			t.Fatalf("resync %v outside [9m, 11m)", d)
		}
		lo, hi = min(lo, d), max(hi, d)
		seen[d.Truncate(time.Second)] = true
	}
	// Objects spread over the whole window, not in lockstep.
	if lo > 9*time.Minute+6*time.Second || hi < 11*time.Minute-6*time.Second {
		t.Errorf("10000 resyncs span only [%v, %v], want close to [9m, 11m)", lo, hi)
	}
	if len(seen) < 100 {
		t.Errorf("10000 resyncs fall in only %d distinct seconds", len(seen))
	}
}

func TestPhase(t *testing.T) {
	cond := func(typ string, status metav1.ConditionStatus) metav1.Condition {
		return metav1.Condition{Type: typ, Status: status}
	}
	ready := cond(v1alpha1.ConditionReady, metav1.ConditionTrue)
	stalled := cond(v1alpha1.ConditionStalled, metav1.ConditionTrue)
	suspended := ready
	suspended.Reason = v1alpha1.ReasonSuspended
	now := metav1.Now()
	for _, tc := range []struct {
		name       string
		paused     bool
		deleting   bool
		generation int64
		conditions []metav1.Condition
		want       string
	}{
		{"new", false, false, 1, nil, PhaseProgressing},
		{"ready", false, false, 1, []metav1.Condition{ready}, PhaseReady},
		{"ready for an older generation", false, false, 2, []metav1.Condition{ready}, PhaseProgressing},
		{"suspended", false, false, 1, []metav1.Condition{suspended}, PhaseSuspended},
		{"suspended for an older generation", false, false, 2, []metav1.Condition{suspended}, PhaseProgressing},
		{"suspended and deleting", false, true, 1, []metav1.Condition{suspended}, PhaseDeleting},
		{"stalled", false, false, 1, []metav1.Condition{cond(v1alpha1.ConditionReady, metav1.ConditionFalse), stalled}, PhaseStalled},
		{"deleting", false, true, 1, []metav1.Condition{ready}, PhaseDeleting},
		{"stalled deleting", false, true, 1, []metav1.Condition{stalled}, PhaseStalled},
		{"paused", true, false, 1, []metav1.Condition{ready}, PhasePaused},
		{"paused while deleting and stalled", true, true, 1, []metav1.Condition{stalled}, PhasePaused},
	} {
		fd := &v1alpha1.FlaskDeployment{}
		fd.Generation = tc.generation
		fd.Status.ObservedGeneration = 1
		fd.Status.Conditions = tc.conditions
		if tc.paused {
			fd.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"}
		}
		if tc.deleting {
			fd.DeletionTimestamp = &now
		}
		if got := Phase(fd); got != tc.want {
			t.Errorf("%s: Phase = %s, want %s", tc.name, got, tc.want)
		}
	}
}

func TestPausedNeedsExactlyTrue(t *testing.T) {
	for value, want := range map[string]bool{"true": true, "false": false, "": false, "yes": false} {
		fd := &v1alpha1.FlaskDeployment{}
		fd.Annotations = map[string]string{v1alpha1.AnnotationPaused: value}
		if got := paused(fd); got != want {
			t.Errorf("paused with %q = %v, want %v", value, got, want)
		}
	}
}

func timeToReadyCount(t *testing.T) uint64 {
	t.Helper()
	m := &dto.Metric{}
	if err := timeToReady.Write(m); err != nil {
		t.Fatal(err)
	}
	return m.GetHistogram().GetSampleCount()
}

func TestTimeToReadyIsObservedOncePerObject(t *testing.T) {
	created := metav1.NewTime(time.Now().Add(-5 * time.Minute))
	readyAt := metav1.NewTime(created.Add(3 * time.Minute))
	readyCond := metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, LastTransitionTime: readyAt}
	notReady := metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionFalse}

	for _, tc := range []struct {
		name        string
		before      []metav1.Condition
		firstBefore *metav1.Time
		after       metav1.Condition
		observed    bool
		firstAfter  *metav1.Time
	}{
		{"first Ready", []metav1.Condition{notReady}, nil, readyCond, true, &readyAt},
		{"first pass already Ready", nil, nil, readyCond, true, &readyAt},
		{"still converging", []metav1.Condition{notReady}, nil, notReady, false, nil},
		{"Ready again after a spec change", []metav1.Condition{notReady}, &created, readyCond, false, &created},
		{"Ready before the field existed", []metav1.Condition{readyCond}, nil, readyCond, false, &readyAt},
	} {
		fd := &v1alpha1.FlaskDeployment{}
		fd.CreationTimestamp = created
		fd.Status.Conditions = tc.before
		fd.Status.FirstReadyTime = tc.firstBefore
		was := everReady(fd)
		fd.Status.Conditions = []metav1.Condition{tc.after}
		recordFirstReady(fd)
		count := timeToReadyCount(t)
		observeFirstReady(was, fd)
		if got := timeToReadyCount(t) - count; got != map[bool]uint64{true: 1, false: 0}[tc.observed] {
			t.Errorf("%s: observed %d times, want observed=%v", tc.name, got, tc.observed)
		}
		if (fd.Status.FirstReadyTime == nil) != (tc.firstAfter == nil) ||
			tc.firstAfter != nil && !fd.Status.FirstReadyTime.Equal(tc.firstAfter) {
			t.Errorf("%s: firstReadyTime = %v, want %v", tc.name, fd.Status.FirstReadyTime, tc.firstAfter)
		}
	}
}

func TestLightPasses(t *testing.T) {
	now := time.Now()
	ready := func() *v1alpha1.FlaskDeployment {
		fd := &v1alpha1.FlaskDeployment{}
		fd.UID, fd.Generation, fd.Status.ObservedGeneration = "uid-1", 2, 2
		fd.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue}}
		return fd
	}
	for _, tc := range []struct {
		name    string
		period  time.Duration
		fullAgo time.Duration // when the last full pass ran; 0: never since the start
		steady  bool
		change  func(*v1alpha1.FlaskDeployment)
		light   bool
	}{
		{"a steady Ready object between full checks", time.Hour, 10 * time.Minute, true, nil, true},
		{"the full-check period is over", time.Hour, time.Hour, true, nil, false},
		{"every pass full", 0, time.Second, true, nil, false},
		{"no full pass since the manager started", time.Hour, 0, true, nil, false},
		{"the last pass asked to look again early", time.Hour, time.Minute, false, nil, false},
		{"not Ready", time.Hour, time.Minute, true, func(fd *v1alpha1.FlaskDeployment) {
			fd.Status.Conditions[0].Status = metav1.ConditionFalse
		}, false},
		{"a spec change", time.Hour, time.Minute, true, func(fd *v1alpha1.FlaskDeployment) { fd.Generation = 3 }, false},
		{"being deleted", time.Hour, time.Minute, true, func(fd *v1alpha1.FlaskDeployment) {
			fd.DeletionTimestamp = &metav1.Time{Time: now}
		}, false},
		{"under Observe", time.Hour, time.Minute, true, func(fd *v1alpha1.FlaskDeployment) {
			fd.Spec.ManagementPolicy = v1alpha1.ManagementPolicyObserve
		}, false},
		{"another object of the same name", time.Hour, time.Minute, true, func(fd *v1alpha1.FlaskDeployment) { fd.UID = "uid-2" }, false},
		{"an annotation change, a manual nudge", time.Hour, time.Minute, true, func(fd *v1alpha1.FlaskDeployment) {
			fd.Annotations = map[string]string{"nudge": "1"}
		}, false},
	} {
		var c fullChecks
		fd := ready()
		if tc.fullAgo > 0 {
			c.passed(fd, now.Add(-tc.fullAgo), true, true)
		}
		c.passed(fd, now.Add(-time.Second), false, tc.steady)
		if tc.change != nil {
			tc.change(fd)
		}
		if got := c.light(fd, tc.period, now); got != tc.light {
			t.Errorf("%s: light %v, want %v", tc.name, got, tc.light)
		}
	}
}

// What is remembered of an object goes with its name: a request for a name whose object
// is gone forgets it, and an object created again under the name starts afresh.
func TestForgottenObjectsGetAFullPass(t *testing.T) {
	var c fullChecks
	fd := &v1alpha1.FlaskDeployment{}
	fd.Namespace, fd.Name = "team-a", "shop"
	fd.UID, fd.Generation, fd.Status.ObservedGeneration = "uid-1", 1, 1
	fd.Status.Conditions = []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue}}
	now := time.Now()
	c.passed(fd, now, true, true)
	if !c.light(fd, time.Hour, now) {
		t.Fatal("no light pass after a full one")
	}
	again := fd.DeepCopy()
	again.UID = "uid-2"
	c.passed(again, now, false, true)
	if c.light(again, time.Hour, now) || c.light(fd, time.Hour, now) || len(c.objects) != 1 {
		t.Fatalf("an object created again under the name inherited the old one's full check: %v", c.objects)
	}
	c.forget(client.ObjectKeyFromObject(fd))
	if c.light(fd, time.Hour, now) || len(c.objects) != 0 {
		t.Fatalf("remembered after forget: %v", c.objects)
	}
}

// A request for a name whose object is gone (deleted behind the operator's back, its
// finalizer removed by hand) forgets what was remembered of it.
func TestReconcileOfAGoneObjectForgetsIt(t *testing.T) {
	scheme := runtime.NewScheme()
	if err := v1alpha1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	r := &FlaskDeploymentReconciler{Client: fake.NewClientBuilder().WithScheme(scheme).Build()}
	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "shop", UID: "uid-1"}}
	r.fullChecks.passed(fd, time.Now(), true, true)
	if _, err := r.Reconcile(context.Background(), ctrl.Request{NamespacedName: client.ObjectKeyFromObject(fd)}); err != nil {
		t.Fatal(err)
	}
	if len(r.fullChecks.objects) != 0 {
		t.Fatalf("remembered after its object was gone: %v", r.fullChecks.objects)
	}
}
