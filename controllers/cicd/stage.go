// Package cicd is the stage that builds and deploys a FlaskDeployment's app (the seed's
// CI/CD stack) when spec.pipeline is set: the artifact bucket, the build log group, the
// CodeBuild and CodePipeline service roles, the CodeBuild project and a CodePipeline V2
// pipeline from GitHub (a CodeStar connection, or a GitHub version 1 source with a token
// read from a Secret) through the build to an Amazon ECS deploy. It reports the source
// connection's handshake (SourceConnectionReady), the latest execution and, from the latest
// succeeded one, the deployed commit.
//
// It reads what it needs from the other stages through status only: the repository, its
// ARN and URI parameter (status.repository) before the build role and project, and the
// ECS cluster and task execution role (status.service) before the pipeline role and the
// pipeline. It does not wait for the ECS service itself: with no image in the repository
// the ecs stage creates no service until the pipeline's first build pushes one, so the
// pipeline deploys to the service name the ecs stage will use (status.service.serviceARN
// once it exists).
//
// The account, which the bucket's globally unique name and the policies' ARNs need, comes
// from STS GetCallerIdentity, once per manager: the bucket does not wait for the ECR stage.
//
// Every pass walks a checklist. Each resource is found by its deterministic name, proven
// ours by its tags (j.CheckOwner) before anything is written to it, created tagged on a
// confirmed miss and checkpointed, then converged: drift is put back and noted in
// status.drift. Removing spec.pipeline deletes everything the stage created, as Delete does.
package cicd

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Name is the stage's name: log key, tag value and event prefix.
const Name = "cicd"

// Requeue intervals.
const (
	inputsPollInterval    = 15 * time.Second
	executionPollInterval = 30 * time.Second
	// tokenPollInterval is how soon a rotated legacy GitHub token reaches the pipeline.
	tokenPollInterval  = 2 * time.Minute
	deletePollInterval = 10 * time.Second
	observeInterval    = time.Minute
)

// Clients are the SDK clients of one region the stage calls.
type Clients struct {
	S3           cloud.ArtifactsS3
	IAM          cloud.PipelineIAM
	Logs         cloud.BuildLogsAPI
	CodeBuild    cloud.CodeBuildAPI
	CodePipeline cloud.CodePipelineAPI
	Connections  cloud.ConnectionsAPI
	STS          cloud.IdentityAPI
	ECS          cloud.DeployedTaskDefinitions
}

// ClientsFrom hands out the stage's clients of a region from the manager's client cache.
func ClientsFrom(c *cloud.Clients) func(region string) Clients {
	return func(region string) Clients {
		return Clients{S3: c.S3(region), IAM: c.IAM(region), Logs: c.Logs(region), CodeBuild: c.CodeBuild(region),
			CodePipeline: c.CodePipeline(region), Connections: c.Connections(region), STS: c.STS(region), ECS: c.ECS(region)}
	}
}

// Stage converges the CI/CD side of a FlaskDeployment.
type Stage struct {
	clients  func(region string) Clients
	secrets  SecretReader
	recorder events.EventRecorder
	cluster  string
	// roleBoundary is the permissions boundary of the roles the stage creates ("" none).
	roleBoundary string

	mu        sync.Mutex
	account   string // of the manager's credentials, looked up once
	partition string
}

var _ stage.Stage = (*Stage)(nil)

// New returns the cicd stage of the manager of cluster. clients hands out the SDK clients
// of a region; secrets reads a GitHub token from a Secret in the object's namespace,
// uncached (see SecretKeyReader).
func New(clients func(region string) Clients, secrets SecretReader, recorder events.EventRecorder, cluster string) *Stage {
	return &Stage{clients: clients, secrets: secrets, recorder: recorder, cluster: cluster}
}

// WithRoleBoundary makes the stage create its IAM roles with the permissions boundary
// arn: the operator's own policy lets it create roles only with that boundary.
func (s *Stage) WithRoleBoundary(arn string) *Stage {
	s.roleBoundary = arn
	return s
}

// Name implements stage.Stage.
func (s *Stage) Name() string { return Name }

// Condition implements stage.Stage.
func (s *Stage) Condition() string { return v1alpha1.ConditionPipelineReady }

// Reconcile converges the pipeline toward fd.Spec.Pipeline, or removes it when the spec
// has none. PipelineReady means the resources exist; it waits neither for the source
// connection's handshake nor for an execution.
func (s *Stage) Reconcile(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	p := s.newPass(fd)
	defer p.ReportRepairs()
	if fd.Spec.Pipeline == nil {
		return p.removePipeline(ctx)
	}
	// A light pass checks none of the pipeline's resources: it follows the executions only,
	// which status reports (a pass polling a running execution is full).
	if err := p.Run(ctx,
		stage.FullOnly(p.reconcileConnection),
		p.lookUpAccount,
		stage.FullOnly(p.reconcileBucket),
		stage.FullOnly(p.reconcileLogGroup),
		p.waitForRepository,
		stage.FullOnly(p.reconcileBuildRole),
		stage.FullOnly(p.reconcileProject),
		p.waitForService,
		stage.FullOnly(p.reconcilePipelineRole),
		stage.FullOnly(p.reconcilePipeline),
		p.observeExecutions,
	); err != nil {
		return stage.Result{}, err
	}
	return p.result(), nil
}

// Delete removes, in dependency order, every resource of the stage that its tags prove
// ours.
func (s *Stage) Delete(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	p := s.newPass(fd)
	done, err := p.deleteAll(ctx)
	if err != nil {
		return stage.Result{}, err
	}
	if !done {
		r, _ := p.Unfinished(deletePollInterval, "")
		return r, nil
	}
	return stage.Ready("pipeline deleted"), nil
}

// pass is the state of one Reconcile or Delete.
type pass struct {
	*Stage
	*stage.Journal
	Clients
	fd     *v1alpha1.FlaskDeployment
	region string

	account, partition string
	// handshakePending and executionRunning ask for an earlier look than the resync.
	handshakePending, executionRunning bool
}

func (s *Stage) newPass(fd *v1alpha1.FlaskDeployment) *pass {
	region := stage.Region(fd)
	if c := meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionPipelineReady); fd.Spec.Pipeline != nil &&
		c != nil && c.Reason == v1alpha1.ReasonNotConfigured {
		// Ready without a pipeline is not a converged pipeline: what the first passes
		// find unfinished is set-up, not drift.
		meta.RemoveStatusCondition(&fd.Status.Conditions, v1alpha1.ConditionPipelineReady)
	}
	return &pass{
		Stage:   s,
		Journal: stage.NewJournal(s, fd, s.recorder, s.cluster),
		Clients: s.clients(region),
		fd:      fd,
		region:  region,
	}
}

// The kinds of AWS resource the stage creates and deletes.
var (
	kindBucket       = stage.Kind{Name: "artifact bucket", Reason: "ArtifactBucket", IDKey: "bucket"}
	kindLogGroup     = stage.Kind{Name: "build log group", Reason: "BuildLogGroup", IDKey: "logGroup"}
	kindBuildRole    = stage.Kind{Name: "build role", Reason: "BuildRole", IDKey: "roleARN"}
	kindPipelineRole = stage.Kind{Name: "pipeline role", Reason: "PipelineRole", IDKey: "roleARN"}
	kindProject      = stage.Kind{Name: "CodeBuild project", Reason: "BuildProject", IDKey: "project"}
	kindPipeline     = stage.Kind{Name: "pipeline", Reason: "Pipeline", IDKey: "pipeline"}
)

// lookUpAccount learns the account (and partition) of the manager's credentials, once.
func (p *pass) lookUpAccount(ctx context.Context) error {
	p.Stage.mu.Lock()
	defer p.Stage.mu.Unlock()
	if p.Stage.account == "" {
		out, err := p.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return fmt.Errorf("get caller identity: %w", err)
		}
		p.Stage.account, p.Stage.partition = aws.ToString(out.Account), arnPartition(aws.ToString(out.Arn))
	}
	p.account, p.partition = p.Stage.account, p.Stage.partition
	return nil
}

// arnPartition is the partition of an ARN (aws, aws-cn, aws-us-gov).
func arnPartition(arn string) string {
	if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && parts[1] != "" {
		return parts[1]
	}
	return "aws"
}

// arn builds an ARN of the object's account and region ("" region for global services).
func (p *pass) arn(service, region, resource string) string {
	return "arn:" + p.partition + ":" + service + ":" + region + ":" + p.account + ":" + resource
}

// waitForRepository stops the checklist until the ecr stage has written the repository
// and the parameter holding its URI: the build role and project name both.
func (p *pass) waitForRepository(context.Context) error {
	r := p.fd.Status.Repository
	if r.ARN == "" || r.URI == "" || r.ParameterName == "" {
		p.WaitFor(v1alpha1.ReasonWaitingForRepository, inputsPollInterval, "waiting for the ECR repository and its URI parameter")
		p.Stop()
	}
	return nil
}

// waitForService stops the checklist until the ecs stage has written the cluster and the
// task execution role the pipeline's deploy action uses.
func (p *pass) waitForService(context.Context) error {
	s := p.fd.Status.Service
	if s.ClusterARN == "" || s.ExecutionRoleARN == "" {
		p.WaitFor(v1alpha1.ReasonWaitingForService, inputsPollInterval, "waiting for the ECS cluster and task execution role")
		p.Stop()
	}
	return nil
}

// result turns what the pass found into the stage's Result.
func (p *pass) result() stage.Result {
	st := p.fd.Status.Pipeline
	if r, ok := p.Unfinished(observeInterval, "pipeline "+st.PipelineName+" found"); ok {
		return r
	}
	msg := "pipeline " + st.PipelineName
	if e := st.LatestExecution; e != nil {
		msg += fmt.Sprintf(": latest execution %s %s", e.ID, e.Status)
		if e.SourceCommit != "" {
			msg += " (commit " + shortCommit(e.SourceCommit) + ")"
		}
	}
	if p.handshakePending {
		msg += "; the source connection awaits its handshake"
	}
	r := stage.Ready(msg)
	switch {
	case p.handshakePending || p.executionRunning:
		r.RequeueAfter = executionPollInterval
	case p.fd.Spec.Pipeline.Source.OAuthTokenSecretRef != nil:
		// The operator does not watch Secrets (it may not list them): a rotated token
		// is read again at this interval.
		r.RequeueAfter = tokenPollInterval
	}
	return r
}

// removePipeline is the pass of an object without spec.pipeline: what an earlier spec
// created is deleted, then PipelineReady says NotConfigured.
func (p *pass) removePipeline(ctx context.Context) (stage.Result, error) {
	if !p.Observing() {
		done, err := p.deleteAll(ctx)
		if err != nil {
			return stage.Result{}, err
		}
		if !done {
			r, _ := p.Unfinished(deletePollInterval, "")
			return r, nil
		}
	}
	r := stage.Ready("spec.pipeline is not set")
	r.Reason = v1alpha1.ReasonNotConfigured
	return r, nil
}

// deleteAll deletes the stage's resources in dependency order. An object whose status
// names none has none: the bucket, created first, is written to status before it is
// created.
func (p *pass) deleteAll(ctx context.Context) (bool, error) {
	if p.fd.Spec.Pipeline == nil && p.fd.Status.Pipeline == (v1alpha1.PipelineStatus{}) {
		meta.RemoveStatusCondition(&p.fd.Status.Conditions, v1alpha1.ConditionSourceConnectionReady)
		return true, nil
	}
	if err := p.lookUpAccount(ctx); err != nil {
		return false, err
	}
	done, err := stage.RunDelete(ctx,
		p.deletePipeline,
		p.deleteProject,
		p.deleteRole(buildRole),
		p.deleteRole(pipelineRole),
		p.deleteLogGroup,
		p.deleteBucket,
	)
	if err != nil || !done {
		return false, err
	}
	p.fd.Status.Pipeline = v1alpha1.PipelineStatus{}
	meta.RemoveStatusCondition(&p.fd.Status.Conditions, v1alpha1.ConditionSourceConnectionReady)
	return true, nil
}

// repaired records a difference the pass put right in a setting the spec decides: a change
// when the spec changed since the last pass evaluated it, else drift.
func (p *pass) repaired(ctx context.Context, reason, format string, args ...any) {
	if p.fd.Generation != p.fd.Status.ObservedGeneration {
		p.Changed(ctx, reason, format, args...)
		return
	}
	p.Drift(ctx, format, args...)
}

// shortCommit is the seven-digit form of a commit ID.
func shortCommit(c string) string { return c[:min(7, len(c))] }
