// Package ecr is the stage that owns the image registry of a FlaskDeployment: an ECR
// repository, its lifecycle policy, and the SSM String parameter that publishes the
// repository URI to the build (/flaskops/<namespace>/<name>/repository-uri).
package ecr

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Name is the stage's name: log key, flaskops.io/stage tag value and drift prefix.
const Name = "ecr"

// Condition reasons of this stage.
const (
	// ReasonRepositoryNotOwned: a repository of the wanted name exists but is not ours.
	ReasonRepositoryNotOwned = "RepositoryNotOwned"
	// ReasonParameterNotOwned: the URI parameter belongs to another FlaskDeployment.
	ReasonParameterNotOwned = "ParameterNotOwned"
	// ReasonEncryptionImmutable: the spec asks for an encryption the repository cannot take.
	ReasonEncryptionImmutable = "EncryptionImmutable"
	// ReasonNameImmutable: the spec names another repository than the one in status.
	ReasonNameImmutable = "RepositoryNameImmutable"
	// ReasonRepositoryNotFound: managementPolicy Observe and there is nothing to observe.
	ReasonRepositoryNotFound = "RepositoryNotFound"
)

// observeRequeue is how soon an Observe-only object looks again for a missing repository.
const observeRequeue = time.Minute

// Stage converges the ECR repository, its lifecycle policy and the URI parameter.
type Stage struct {
	ecrClient func(region string) cloud.ECRAPI
	ssmClient func(region string) cloud.SSMAPI
	recorder  events.EventRecorder
}

var _ stage.Stage = (*Stage)(nil)

// New returns the ecr stage. The client functions return the client of a region.
func New(ecrClient func(region string) cloud.ECRAPI, ssmClient func(region string) cloud.SSMAPI, recorder events.EventRecorder) *Stage {
	return &Stage{ecrClient: ecrClient, ssmClient: ssmClient, recorder: recorder}
}

// Name implements stage.Stage.
func (s *Stage) Name() string { return Name }

// Condition implements stage.Stage.
func (s *Stage) Condition() string { return v1alpha1.ConditionRepositoryReady }

// pass carries what one Reconcile or Delete works with.
type pass struct {
	*Stage
	fd      *v1alpha1.FlaskDeployment
	ecr     cloud.ECRAPI
	ssm     cloud.SSMAPI
	observe bool
	// created is set when this pass created the repository: what hangs off it is new, not drift.
	created bool
	// converged says the repository was ready before this pass. Until then a difference is
	// an interrupted set-up being finished (a crash between two calls), not drift.
	converged bool
	drift     []string
}

func (s *Stage) newPass(fd *v1alpha1.FlaskDeployment) *pass {
	region := stage.Region(fd)
	return &pass{Stage: s, fd: fd, ecr: s.ecrClient(region), ssm: s.ssmClient(region),
		observe:   fd.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserve,
		converged: meta.IsStatusConditionTrue(fd.Status.Conditions, v1alpha1.ConditionRepositoryReady)}
}

// Reconcile implements stage.Stage: repository, then lifecycle policy, then parameter.
// Drift found on the way is repaired (or only reported under managementPolicy Observe) and
// listed in fd.Status.Drift as "ecr: <what>", replacing this stage's entries of the last pass.
func (s *Stage) Reconcile(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	p := s.newPass(fd)
	defer p.publishDrift()

	repo, res, err := p.reconcileRepository(ctx)
	if err != nil || repo == nil {
		return res, err
	}
	if err := p.reconcileLifecyclePolicy(ctx, repo); err != nil {
		return stage.Result{}, err
	}
	if err := p.reconcileParameter(ctx, repo); err != nil {
		return stage.Result{}, err
	}
	if err := p.countImages(ctx, repo); err != nil {
		return stage.Result{}, err
	}
	st := fd.Status.Repository
	if p.observe {
		msg := fmt.Sprintf("observing repository %s (%d images)", st.URI, st.ImageCount)
		if len(p.drift) > 0 {
			msg += fmt.Sprintf("; %d differences from the spec, not repaired (managementPolicy Observe)", len(p.drift))
		}
		return stage.Result{Done: true, Reason: v1alpha1.ReasonObserved, Message: msg}, nil
	}
	return stage.Ready(fmt.Sprintf("repository %s ready (%d images), URI published in %s", st.URI, st.ImageCount, st.ParameterName)), nil
}

// Delete implements stage.Stage: the parameter, then the repository with its images.
// Nothing is touched under deletionPolicy Retain or managementPolicy Observe, and nothing
// without this object's owner tag is ever deleted.
func (s *Stage) Delete(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	switch {
	case fd.Spec.DeletionPolicy == v1alpha1.DeletionPolicyRetain:
		return stage.Result{Done: true, Reason: v1alpha1.ReasonRetained, Message: "repository and parameter retained (deletionPolicy Retain)"}, nil
	case fd.Spec.ManagementPolicy == v1alpha1.ManagementPolicyObserve:
		return stage.Result{Done: true, Reason: v1alpha1.ReasonObserved, Message: "nothing deleted (managementPolicy Observe)"}, nil
	}
	p := s.newPass(fd)
	if err := p.deleteParameter(ctx); err != nil {
		return stage.Result{}, err
	}
	if err := p.deleteRepository(ctx); err != nil {
		return stage.Result{}, err
	}
	return stage.Ready("repository and parameter deleted"), nil
}

// noteDrift records one difference between AWS and the spec.
// Under managementPolicy Full it is called once the repair succeeded. An empty text is no drift.
func (p *pass) noteDrift(ctx context.Context, format string, args ...any) {
	what := fmt.Sprintf(format, args...)
	if what == "" {
		return
	}
	switch {
	case p.observe:
		// Observe finds the same differences every pass: detail, not news.
		log.FromContext(ctx).V(1).Info("Found drift", "drift", what)
		what += " (not repaired: managementPolicy Observe)"
	case !p.converged:
		log.FromContext(ctx).Info("Finished an interrupted set-up", "change", what)
		return
	default:
		log.FromContext(ctx).Info("Repaired drift", "drift", what)
		what += ": repaired"
	}
	p.drift = append(p.drift, Name+": "+what)
}

// publishDrift replaces this stage's drift entries with the ones found in this pass.
func (p *pass) publishDrift() {
	kept := p.fd.Status.Drift[:0:0]
	for _, d := range p.fd.Status.Drift {
		if !strings.HasPrefix(d, Name+": ") {
			kept = append(kept, d)
		}
	}
	p.fd.Status.Drift = append(kept, p.drift...)
	if len(p.fd.Status.Drift) == 0 {
		p.fd.Status.Drift = nil
	}
}

// event records a Normal event about an AWS resource created, repaired or deleted.
func (p *pass) event(reason, action, note string, args ...any) {
	if p.recorder != nil {
		p.recorder.Eventf(p.fd, nil, corev1.EventTypeNormal, reason, action, note, args...)
	}
}
