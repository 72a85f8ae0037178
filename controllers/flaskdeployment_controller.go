// Package controllers holds the FlaskDeployment reconciler: it owns the finalizer and the
// status, and runs the stages (network, ecr, ecs, cicd) that converge AWS.
package controllers

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Finalizer keeps a FlaskDeployment until its AWS resources are gone.
const Finalizer = "deploy.flaskops.io/finalizer"

// FlaskDeploymentReconciler converges AWS to each FlaskDeployment through its stages.
type FlaskDeploymentReconciler struct {
	client.Client
	Recorder events.EventRecorder

	// Stages in creation order; deletion runs them in reverse.
	Stages []stage.Stage
	// DefaultRegion is used when a spec names no region.
	DefaultRegion string
	// ResyncPeriod is how often a Ready object is re-read from AWS to repair drift.
	ResyncPeriod time.Duration
	// FullCheckPeriod is how often a Ready object gets a full pass, which reads every
	// resource with its tags; its resyncs in between are light passes, which check only
	// what drifts most and matters most (see stage.WithLight). Zero: every pass is full.
	FullCheckPeriod time.Duration
	// MaxRequeueAfter caps the stages' requeue intervals, not the resync (zero: no cap).
	// Tests and the local demo run the simulator on a fast clock, where AWS's real polling
	// intervals are too long.
	MaxRequeueAfter time.Duration
	// ReconcileTimeout bounds one pass's AWS work (zero: no bound), so that a hung AWS call
	// cannot hold a worker; the status is still patched with what the pass learned.
	ReconcileTimeout time.Duration
	// SecretARNPrefixes are where spec.service.secrets may point, {namespace} standing for
	// the object's (nil: DefaultSecretARNPrefixes).
	SecretARNPrefixes []string
	// Sweep looks, after every stage is deleted, for anything still tagged as the object's
	// (nil: no sweep).
	Sweep *Sweeper

	fullChecks fullChecks
}

// +kubebuilder:rbac:groups=deploy.flaskops.io,resources=flaskdeployments,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=deploy.flaskops.io,resources=flaskdeployments/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=deploy.flaskops.io,resources=flaskdeployments/finalizers,verbs=update
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

// Reconcile runs one pass: finalizer, then every stage (or, when deleting, the stages in
// reverse), then one status patch if anything changed.
func (r *FlaskDeploymentReconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	fd := &v1alpha1.FlaskDeployment{}
	if err := r.Get(ctx, req.NamespacedName, fd); err != nil {
		if apierrors.IsNotFound(err) {
			r.fullChecks.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if paused(fd) {
		// Removing the annotation wakes the reconciler (an annotation change), so a
		// paused object needs no requeue; its first pass then is full.
		r.fullChecks.forget(req.NamespacedName)
		return ctrl.Result{}, r.pause(ctx, fd)
	}

	if fd.DeletionTimestamp.IsZero() && !controllerutil.ContainsFinalizer(fd, Finalizer) {
		// The finalizer list is merged with an optimistic lock: another writer's finalizer
		// must not be lost.
		patch := client.MergeFromWithOptions(fd.DeepCopy(), client.MergeFromWithOptimisticLock{})
		controllerutil.AddFinalizer(fd, Finalizer)
		if err := r.Patch(ctx, fd, patch); err != nil {
			return ctrl.Result{}, fmt.Errorf("add finalizer: %w", err)
		}
	}

	status := newStatusWriter(r.Client, fd)
	if meta.RemoveStatusCondition(&fd.Status.Conditions, v1alpha1.ConditionPaused) {
		r.Recorder.Eventf(fd, nil, corev1.EventTypeNormal, "Resumed", "Reconcile", "Resumed: the %s annotation was removed", v1alpha1.AnnotationPaused)
	}
	wasReady := everReady(fd)
	ctx = stage.WithCheckpoint(ctx, func(ctx context.Context) error { return status.patch(ctx, fd) })

	work := cloud.TrackHoldBack(ctx)
	if r.ReconcileTimeout > 0 {
		var cancel context.CancelFunc
		work, cancel = context.WithTimeout(work, r.ReconcileTimeout)
		defer cancel()
	}
	var result ctrl.Result
	var err error
	if fd.DeletionTimestamp.IsZero() {
		result, err = r.reconcileNormal(work, fd)
	} else {
		result, err = r.reconcileDelete(work, fd)
	}
	if fd.DeletionTimestamp.IsZero() || controllerutil.ContainsFinalizer(fd, Finalizer) {
		if perr := status.patch(ctx, fd); perr != nil {
			err = errors.Join(err, perr)
		} else {
			observeFirstReady(wasReady, fd)
		}
	}
	return result, err
}

func (r *FlaskDeploymentReconciler) reconcileNormal(ctx context.Context, fd *v1alpha1.FlaskDeployment) (ctrl.Result, error) {
	if err := r.resolveRegion(fd); err != nil {
		return r.finish(ctx, fd, summarize(fd, nil, err))
	}
	if err := checkSecrets(fd, r.SecretARNPrefixes); err != nil {
		return r.finish(ctx, fd, summarize(fd, nil, err))
	}
	recordOwnerUID(fd)
	start := time.Now()
	light := r.fullChecks.light(fd, r.FullCheckPeriod, start)
	sctx := ctx
	if light {
		sctx = stage.WithLight(ctx)
		log.FromContext(ctx).V(1).Info("Light pass")
	}
	outcomes := make([]outcome, 0, len(r.Stages))
	for _, s := range r.Stages {
		sctx := log.IntoContext(sctx, log.FromContext(sctx).WithValues("stage", s.Name()))
		res, err := s.Reconcile(sctx, fd)
		if err != nil {
			err = stage.Classify(fmt.Errorf("%s: %w", s.Name(), err))
		}
		outcomes = append(outcomes, outcome{stage: s, result: res, err: err})
	}
	summary := summarize(fd, outcomes, nil)
	recordTagKeys(fd)
	recordFirstReady(fd)
	r.fullChecks.passed(fd, start, !light && summary.retriable == nil,
		summary.retriable == nil && summary.stalled == nil && summary.requeueAfter == 0)
	return r.finish(ctx, fd, summary)
}

// finish decides, for a converge or a deletion pass, when to look again: retriable errors
// back off, a waiting stage is polled at the soonest interval any stage asked for, and
// everything else is looked at again after the resync period. That includes a stalled
// object, deleting or not: what AWS refused may be put right outside the spec (a raised
// quota, a permission granted, a conflicting resource removed), and one look per resync is
// no hot loop. A terminal error is never returned as reconcile.TerminalError, which would
// leave the object alone for good: our predicates pass no status change to wake it.
func (r *FlaskDeploymentReconciler) finish(ctx context.Context, fd *v1alpha1.FlaskDeployment, s summary) (ctrl.Result, error) {
	reportThrottled(ctx, fd, s)
	if s.stalled != nil {
		if s.newlyStalled {
			action := "Reconcile"
			if !fd.DeletionTimestamp.IsZero() {
				action = "Delete"
			}
			r.Recorder.Eventf(fd, nil, corev1.EventTypeWarning, "Stalled", action, "%s", s.stalled.Error())
		}
		log.FromContext(ctx).Error(s.stalled, "Stalled until the spec or AWS changes")
	}
	if s.retriable != nil {
		return ctrl.Result{}, s.retriable
	}
	if s.requeueAfter > 0 {
		return ctrl.Result{RequeueAfter: r.capRequeue(s.requeueAfter)}, nil
	}
	return ctrl.Result{RequeueAfter: jitter(r.ResyncPeriod, rand.Float64())}, nil
}

// jitter spreads a resync period by ±10 % (f is uniform in [0, 1)), so that objects
// created together, or after a restart, do not all call AWS in the same second forever.
func jitter(d time.Duration, f float64) time.Duration {
	return time.Duration(float64(d) * (0.9 + 0.2*f))
}

// paused reports whether the object carries the pause annotation.
func paused(fd *v1alpha1.FlaskDeployment) bool {
	return fd.Annotations[v1alpha1.AnnotationPaused] == "true"
}

// pause reports a paused object and touches nothing else: no stage runs, whether the
// object converges or is being deleted (its finalizer stays), and Ready, Reconciling and
// Stalled keep what the last pass found.
func (r *FlaskDeploymentReconciler) pause(ctx context.Context, fd *v1alpha1.FlaskDeployment) error {
	status := newStatusWriter(r.Client, fd)
	was := meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionPaused)
	meta.SetStatusCondition(&fd.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionPaused,
		Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonPaused, ObservedGeneration: fd.Generation,
		Message: fmt.Sprintf("paused by the %s annotation: no AWS call is made, deletion included, until it is removed", v1alpha1.AnnotationPaused)})
	if err := status.patch(ctx, fd); err != nil {
		return err
	}
	if !was {
		r.Recorder.Eventf(fd, nil, corev1.EventTypeNormal, v1alpha1.ReasonPaused, "Reconcile", "Paused: the %s annotation is \"true\"", v1alpha1.AnnotationPaused)
	}
	return nil
}

// resolveRegion fixes the object's region in status at the first pass: resources must keep
// living where they were created even if the operator's default region changes later.
func (r *FlaskDeploymentReconciler) resolveRegion(fd *v1alpha1.FlaskDeployment) error {
	want := fd.Spec.Region
	if want == "" {
		want = r.DefaultRegion
	}
	switch {
	case fd.Status.Region == "":
		fd.Status.Region = want
	case fd.Spec.Region != "" && fd.Spec.Region != fd.Status.Region:
		return stage.Terminalf(v1alpha1.ReasonInvalidSpec,
			"spec.region cannot change from %s to %s: AWS resources cannot move between regions", fd.Status.Region, fd.Spec.Region)
	}
	return nil
}

// recordOwnerUID notes the object's UID in status before any stage creates a resource
// tagged with it. An object restored from a backup with its status gets a new UID and
// still proves, by the UIDs recorded here, that it created what carries the old one.
func recordOwnerUID(fd *v1alpha1.FlaskDeployment) {
	if !slices.Contains(fd.Status.OwnerUIDs, string(fd.UID)) {
		fd.Status.OwnerUIDs = append(fd.Status.OwnerUIDs, string(fd.UID))
	}
}

func (r *FlaskDeploymentReconciler) reconcileDelete(ctx context.Context, fd *v1alpha1.FlaskDeployment) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(fd, Finalizer) {
		return ctrl.Result{}, nil
	}
	if fd.Spec.DeletionPolicy == v1alpha1.DeletionPolicyRetain || fd.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserve {
		if err := stage.Classify(r.release(ctx, fd)); err != nil {
			// What retrying cannot fix (a region without an endpoint, a refused call) must
			// not keep a retained object from going: its resources stay, unreleased.
			if _, terminal := stage.AsTerminal(err); !terminal {
				return ctrl.Result{}, err
			}
			r.Recorder.Eventf(fd, nil, corev1.EventTypeWarning, "ReleaseFailed", "Delete",
				"%s; the retained resources keep this object's uid tag, so an object created again with this name will not adopt them", stage.EventNote(err.Error()))
		}
		r.Recorder.Eventf(fd, nil, corev1.EventTypeNormal, v1alpha1.ReasonRetained, "Delete",
			"Left AWS resources in place (deletionPolicy %s, managementPolicy %s)", fd.Spec.DeletionPolicy, fd.Spec.ManagementPolicy)
		r.fullChecks.forget(client.ObjectKeyFromObject(fd))
		return ctrl.Result{}, r.removeFinalizer(ctx, fd)
	}
	// Later stages use what earlier ones created (ECS tasks hold ENIs in the subnets), so
	// a stage is deleted only once every stage after it is gone.
	var deleted []stage.Stage
	for i := len(r.Stages) - 1; i >= 0; i-- {
		s := r.Stages[i]
		sctx := log.IntoContext(ctx, log.FromContext(ctx).WithValues("stage", s.Name()))
		res, err := s.Delete(sctx, fd)
		if err != nil {
			err = stage.Classify(fmt.Errorf("delete %s: %w", s.Name(), err))
		}
		if err != nil || !res.Done {
			return r.finish(ctx, fd, summarizeDelete(fd, outcome{stage: s, result: res, err: err}, deleted))
		}
		deleted = append(deleted, s)
	}
	if done, res, err := r.sweep(ctx, fd); !done {
		return res, err
	}
	r.fullChecks.forget(client.ObjectKeyFromObject(fd))
	return ctrl.Result{}, r.removeFinalizer(ctx, fd)
}

func (r *FlaskDeploymentReconciler) removeFinalizer(ctx context.Context, fd *v1alpha1.FlaskDeployment) error {
	patch := client.MergeFromWithOptions(fd.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(fd, Finalizer)
	if err := r.Patch(ctx, fd, patch); err != nil {
		return fmt.Errorf("remove finalizer: %w", client.IgnoreNotFound(err))
	}
	return nil
}

func (r *FlaskDeploymentReconciler) capRequeue(d time.Duration) time.Duration {
	if r.MaxRequeueAfter > 0 && (d == 0 || d > r.MaxRequeueAfter) {
		return r.MaxRequeueAfter
	}
	return d
}

// SetupWithManager registers the reconciler. Our own status patches do not trigger a
// pass: only spec changes, deletion and annotation changes (a manual nudge) do.
func (r *FlaskDeploymentReconciler) SetupWithManager(mgr ctrl.Manager, maxConcurrent int) error {
	if err := registerObjectMetrics(mgr, r.Stages); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&v1alpha1.FlaskDeployment{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{},
			predicate.AnnotationChangedPredicate{},
			deletionStarted{},
		))).
		WithOptions(controller.Options{MaxConcurrentReconciles: maxConcurrent}).
		Named("flaskdeployment").
		Complete(r)
}

// deletionStarted passes the update that sets deletionTimestamp, which need not bump the
// generation.
type deletionStarted struct{ predicate.Funcs }

func (deletionStarted) Update(e event.UpdateEvent) bool {
	return e.ObjectOld.GetDeletionTimestamp().IsZero() && !e.ObjectNew.GetDeletionTimestamp().IsZero()
}
