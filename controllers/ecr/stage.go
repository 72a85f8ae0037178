// Package ecr is the stage that owns the image registry of a FlaskDeployment: an ECR
// repository, its lifecycle policy, and the SSM String parameter that publishes the
// repository URI to the build (/flaskops/<cluster>/<namespace>/<name>/repository-uri).
//
// Neither service filters by tag, so both resources are found by name and their tags are
// checked before anything is written: only the tags prove a resource is this object's,
// never its name or status.
package ecr

import (
	"context"
	"fmt"
	"strings"
	"time"

	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Name is the stage's name: log key, flaskops.io/stage tag value and drift prefix.
const Name = "ecr"

// observeInterval is how soon an Observe-only object looks again for what is missing.
const observeInterval = time.Minute

// The kinds of AWS resource the stage creates and deletes.
var (
	kindRepository      = stage.Kind{Name: "ECR repository", Reason: "Repository", IDKey: "repository"}
	kindLifecyclePolicy = stage.Kind{Name: "lifecycle policy of ECR repository", Reason: "LifecyclePolicy", IDKey: "repository"}
	kindParameter       = stage.Kind{Name: "SSM parameter", Reason: "Parameter", IDKey: "parameterName"}
)

// Stage converges the ECR repository, its lifecycle policy and the URI parameter.
type Stage struct {
	ecrClient func(region string) cloud.ECRAPI
	ssmClient func(region string) cloud.SSMAPI
	recorder  events.EventRecorder
	cluster   string
}

var _ stage.Stage = (*Stage)(nil)

// New returns the ecr stage of the manager of cluster (its --cluster-name). The client
// functions return the client of a region.
func New(ecrClient func(region string) cloud.ECRAPI, ssmClient func(region string) cloud.SSMAPI, recorder events.EventRecorder, cluster string) *Stage {
	return &Stage{ecrClient: ecrClient, ssmClient: ssmClient, recorder: recorder, cluster: cluster}
}

// Name implements stage.Stage.
func (s *Stage) Name() string { return Name }

// Condition implements stage.Stage.
func (s *Stage) Condition() string { return v1alpha1.ConditionRepositoryReady }

// pass carries what one Reconcile or Delete works with.
type pass struct {
	*stage.Journal
	fd  *v1alpha1.FlaskDeployment
	ecr cloud.ECRAPI
	ssm cloud.SSMAPI
	// repo is the repository found or created; the later steps hang off it.
	repo *ecrtypes.Repository
	// created is set when this pass created the repository: what hangs off it is new, not drift.
	created bool
	// kept names what Delete left in place because it is not this object's.
	kept []string
}

func (s *Stage) newPass(fd *v1alpha1.FlaskDeployment) *pass {
	region := stage.Region(fd)
	return &pass{Journal: stage.NewJournal(s, fd, s.recorder, s.cluster), fd: fd,
		ecr: s.ecrClient(region), ssm: s.ssmClient(region)}
}

// Reconcile implements stage.Stage: repository, then lifecycle policy, then parameter.
// Drift found on the way is repaired (or only reported under managementPolicy Observe) and
// listed in fd.Status.Drift as "ecr: <what>".
func (s *Stage) Reconcile(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	p := s.newPass(fd)
	defer p.ReportRepairs()
	// A light pass reads the repository only (its settings).
	if err := p.Run(ctx, p.reconcileRepository, stage.FullOnly(p.reconcileLifecyclePolicy), stage.FullOnly(p.reconcileParameter),
		stage.FullOnly(p.countImages)); err != nil {
		return stage.Result{}, err
	}
	st := fd.Status.Repository
	if r, ok := p.Unfinished(observeInterval, fmt.Sprintf("repository %s (%d images)", st.URI, st.ImageCount)); ok {
		return r, nil
	}
	return stage.Ready(fmt.Sprintf("repository %s ready (%d images), URI published in %s", st.URI, st.ImageCount, st.ParameterName)), nil
}

// Delete implements stage.Stage: the parameter, then the repository with its images.
// Nothing whose tags do not prove it this object's is deleted.
func (s *Stage) Delete(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	p := s.newPass(fd)
	if done, err := stage.RunDelete(ctx, p.deleteParameter, p.deleteRepository); err != nil || !done {
		return stage.Result{}, err
	}
	if len(p.kept) > 0 {
		return stage.Ready(fmt.Sprintf("deleted what this object owns; left in place, not this object's: %s", strings.Join(p.kept, ", "))), nil
	}
	return stage.Ready("repository and parameter deleted"), nil
}
