package controllers

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/ecs"
	"github.com/flaskops/flask-operator/controllers/stage"
)

// outcome is one stage's result of one pass.
type outcome struct {
	stage  stage.Stage
	result stage.Result
	err    error
}

// statusWriter patches the status subresource with what changed since it was last written,
// and not at all when nothing did: a no-op pass costs the API server nothing.
type statusWriter struct {
	client  client.Client
	written *v1alpha1.FlaskDeployment
}

func newStatusWriter(c client.Client, fd *v1alpha1.FlaskDeployment) *statusWriter {
	return &statusWriter{client: c, written: fd.DeepCopy()}
}

func (w *statusWriter) patch(ctx context.Context, fd *v1alpha1.FlaskDeployment) error {
	fd.Status.Phase = Phase(fd)
	if equality.Semantic.DeepEqual(w.written.Status, fd.Status) {
		return nil
	}
	if err := w.client.Status().Patch(ctx, fd, client.MergeFrom(w.written)); err != nil {
		return fmt.Errorf("patch status: %w", err)
	}
	w.written = fd.DeepCopy()
	return nil
}

// Phases of a FlaskDeployment: status.phase, and what the flaskops_flaskdeployments gauge
// counts.
const (
	PhaseReady       = "Ready"
	PhaseSuspended   = "Suspended"
	PhaseProgressing = "Progressing"
	PhaseStalled     = "Stalled"
	PhaseDeleting    = "Deleting"
	PhasePaused      = "Paused"
)

var phases = []string{PhaseReady, PhaseSuspended, PhaseProgressing, PhaseStalled, PhaseDeleting, PhasePaused}

// Phase is the one word that sums an object up: paused, stalled (converging or deleting),
// deleting, ready for its current generation (suspended when the Ready condition says so),
// or progressing.
func Phase(fd *v1alpha1.FlaskDeployment) string {
	ready := meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionReady)
	switch {
	case paused(fd):
		return PhasePaused
	case meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionStalled):
		return PhaseStalled
	case !fd.DeletionTimestamp.IsZero():
		return PhaseDeleting
	case ready == nil || ready.Status != metav1.ConditionTrue || fd.Status.ObservedGeneration != fd.Generation:
		return PhaseProgressing
	case ready.Reason == v1alpha1.ReasonSuspended:
		return PhaseSuspended
	}
	return PhaseReady
}

// summary is what a pass decided, beyond the conditions it wrote.
type summary struct {
	retriable    error
	stalled      error
	newlyStalled bool // this pass set Stalled: the transition deserves a Warning event
	requeueAfter time.Duration
}

// waitsOnStage are the reasons of a stage waiting for what another stage makes.
var waitsOnStage = map[string]bool{
	v1alpha1.ReasonWaitingForNetwork:    true,
	v1alpha1.ReasonWaitingForRepository: true,
	v1alpha1.ReasonWaitingForService:    true,
}

// summarize writes each stage's condition, then Ready, Reconciling and Stalled (kstatus
// semantics) and observedGeneration. observedGeneration is not advanced by a pass that
// ended in a retriable error: that pass did not finish evaluating the spec.
func summarize(fd *v1alpha1.FlaskDeployment, outcomes []outcome, specErr error) summary {
	gen := fd.Generation
	var s summary
	var retriable, terminal []error
	var firstNotReady *metav1.Condition
	terminalReason := ""

	if specErr != nil {
		t, _ := stage.AsTerminal(specErr)
		terminal = append(terminal, specErr)
		terminalReason = t.Reason
		firstNotReady = &metav1.Condition{Status: metav1.ConditionFalse, Reason: t.Reason, Message: specErr.Error()}
	}
	for _, o := range outcomes {
		c := stageCondition(o, gen)
		meta.SetStatusCondition(&fd.Status.Conditions, c)
		if c.Status != metav1.ConditionTrue && firstNotReady == nil {
			firstNotReady = &c
		}
		switch t, isTerminal := stage.AsTerminal(o.err); {
		case isTerminal:
			terminal = append(terminal, o.err)
			if terminalReason == "" {
				terminalReason = t.Reason
			}
		case o.err != nil:
			retriable = append(retriable, o.err)
		}
	}
	for _, o := range outcomes {
		// A ready stage may still have something to watch (a pipeline run, a pending
		// handshake): it asks to be looked at again sooner than the resync. A stage waiting
		// for another stage's output does not when something is stalled: what it waits for
		// comes from a stage that is progressing, which sets the pace itself, or from the
		// stalled one, which is looked at again at the resync.
		if o.err != nil || o.result.RequeueAfter == 0 || (len(terminal) > 0 && waitsOnStage[o.result.Reason]) {
			continue
		}
		if s.requeueAfter == 0 || o.result.RequeueAfter < s.requeueAfter {
			s.requeueAfter = o.result.RequeueAfter
		}
	}
	s.retriable = errors.Join(retriable...)
	s.stalled = errors.Join(terminal...)

	ready := metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue,
		Reason: v1alpha1.ReasonReady, Message: "all stages are ready", ObservedGeneration: gen}
	if firstNotReady != nil {
		ready.Status, ready.Reason, ready.Message = firstNotReady.Status, firstNotReady.Reason, firstNotReady.Message
	} else if msg := suspended(outcomes); msg != "" {
		ready.Reason, ready.Message = v1alpha1.ReasonSuspended, msg
	}
	meta.SetStatusCondition(&fd.Status.Conditions, ready)
	fd.Status.Message = ready.Message

	switch {
	case s.stalled != nil:
		s.newlyStalled = setStalled(fd, terminalReason, s.stalled)
	case ready.Status != metav1.ConditionTrue:
		setReconciling(fd, v1alpha1.ReasonProgressing, ready.Message)
	default:
		meta.RemoveStatusCondition(&fd.Status.Conditions, v1alpha1.ConditionReconciling)
		meta.RemoveStatusCondition(&fd.Status.Conditions, v1alpha1.ConditionStalled)
	}
	meta.RemoveStatusCondition(&fd.Status.Conditions, v1alpha1.ConditionDeletionBlocked)

	fd.Status.URL = ecs.URL(fd)
	if s.retriable == nil {
		fd.Status.ObservedGeneration = gen
	}
	return s
}

// suspended says what the stages that report Suspended hibernated, "" when none does.
func suspended(outcomes []outcome) string {
	var parts []string
	for _, o := range outcomes {
		if o.err == nil && o.result.Done && o.result.Reason == v1alpha1.ReasonSuspended {
			parts = append(parts, o.stage.Name()+": "+strings.TrimPrefix(o.result.Message, "suspended: "))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "suspended by spec.suspend. " + strings.Join(parts, ". ")
}

// stageCondition turns one stage's outcome into its <Stage>Ready condition.
func stageCondition(o outcome, gen int64) metav1.Condition {
	c := metav1.Condition{Type: o.stage.Condition(), ObservedGeneration: gen}
	switch t, isTerminal := stage.AsTerminal(o.err); {
	case isTerminal:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, t.Reason, o.err.Error()
	case o.err != nil:
		// A failed call says nothing about the resources: Unknown, not False.
		c.Status, c.Reason, c.Message = metav1.ConditionUnknown, v1alpha1.ReasonRetrying, o.err.Error()
	case o.result.Done:
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, orDefault(o.result.Reason, v1alpha1.ReasonReady), o.result.Message
	default:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, orDefault(o.result.Reason, v1alpha1.ReasonProgressing), o.result.Message
	}
	return c
}

// summarizeDelete writes the conditions of a deletion pass that stopped at a stage whose
// resources are not gone yet: the stage's condition and Ready say Deleting, the stages
// already deleted say Deleted, DeletionBlocked says what holds the object, and Stalled,
// Reconciling and observedGeneration follow the rules of summarize.
func summarizeDelete(fd *v1alpha1.FlaskDeployment, o outcome, deleted []stage.Stage) summary {
	gen := fd.Generation
	var s summary
	for _, d := range deleted {
		meta.SetStatusCondition(&fd.Status.Conditions, metav1.Condition{Type: d.Condition(),
			Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonDeleted, Message: d.Name() + " deleted", ObservedGeneration: gen})
	}
	reason, msg := orDefault(o.result.Reason, v1alpha1.ReasonDeleting),
		fmt.Sprintf("deleting %s: %s", o.stage.Name(), orDefault(o.result.Message, "in progress"))
	switch t, isTerminal := stage.AsTerminal(o.err); {
	case isTerminal:
		s.stalled, reason, msg = o.err, t.Reason, o.err.Error()
	case o.err != nil:
		s.retriable, reason, msg = o.err, v1alpha1.ReasonRetrying, o.err.Error()
	default:
		// A stage that is still deleting is polled even if it named no interval.
		s.requeueAfter = o.result.RequeueAfter
		if s.requeueAfter == 0 {
			s.requeueAfter = 5 * time.Second
		}
	}
	for _, typ := range []string{o.stage.Condition(), v1alpha1.ConditionReady} {
		meta.SetStatusCondition(&fd.Status.Conditions, metav1.Condition{Type: typ,
			Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonDeleting, Message: msg, ObservedGeneration: gen})
	}
	meta.SetStatusCondition(&fd.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionDeletionBlocked,
		Status: metav1.ConditionTrue, Reason: reason, Message: msg, ObservedGeneration: gen})
	if s.stalled != nil {
		s.newlyStalled = setStalled(fd, reason, s.stalled)
	} else {
		setReconciling(fd, v1alpha1.ReasonDeleting, msg)
	}
	fd.Status.Message = msg
	if s.retriable == nil {
		fd.Status.ObservedGeneration = gen
	}
	return s
}

// setStalled reports a terminal error. Stalled replaces Reconciling: the object makes no
// progress on its own. It returns whether the object was not stalled before.
func setStalled(fd *v1alpha1.FlaskDeployment, reason string, err error) bool {
	was := meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionStalled)
	meta.SetStatusCondition(&fd.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionStalled,
		Status: metav1.ConditionTrue, Reason: reason, Message: err.Error(), ObservedGeneration: fd.Generation})
	meta.RemoveStatusCondition(&fd.Status.Conditions, v1alpha1.ConditionReconciling)
	return !was
}

func setReconciling(fd *v1alpha1.FlaskDeployment, reason, message string) {
	meta.SetStatusCondition(&fd.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionReconciling,
		Status: metav1.ConditionTrue, Reason: reason, Message: message, ObservedGeneration: fd.Generation})
	meta.RemoveStatusCondition(&fd.Status.Conditions, v1alpha1.ConditionStalled)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// recordTagKeys updates status.tagKeys after a pass. Until every stage is ready the keys of
// spec.tags are added (some resources carry them already); once all are ready, every
// resource has been brought to spec.tags and the list becomes exactly its keys. Stages
// remove the keys that are in the list but no longer in spec.tags.
func recordTagKeys(fd *v1alpha1.FlaskDeployment) {
	keys := map[string]bool{}
	if !meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionReady) {
		for _, k := range fd.Status.TagKeys {
			keys[k] = true
		}
	}
	for k := range fd.Spec.Tags {
		keys[k] = true
	}
	fd.Status.TagKeys = nil
	if len(keys) > 0 {
		fd.Status.TagKeys = slices.Sorted(maps.Keys(keys))
	}
}
