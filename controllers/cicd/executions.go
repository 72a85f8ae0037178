package cicd

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// executionsLooked is how many of the newest executions a pass reads: enough to find the
// last succeeded one and the failures since the last pass.
const executionsLooked = 20

// observeExecutions records the latest execution, sends a Warning for each execution that
// failed since the last pass, and records the latest succeeded execution's commit as
// status.deployedRevision.
func (p *pass) observeExecutions(ctx context.Context) error {
	st := &p.fd.Status.Pipeline
	if st.PipelineName == "" {
		p.NeedFull("status has no pipeline")
		return nil
	}
	out, err := p.CodePipeline.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{
		PipelineName: aws.String(st.PipelineName), MaxResults: aws.Int32(executionsLooked)})
	if err != nil {
		return fmt.Errorf("list executions of pipeline %s: %w", st.PipelineName, err)
	}
	runs := out.PipelineExecutionSummaries // newest first
	if p.Light() && !sameLatest(st.LatestExecution, runs) {
		// A light pass read no tags, so it proves nothing about the pipeline it asked: what
		// a new execution changes (status, deployed revision, events) waits for a full pass.
		p.NeedFull("pipeline %s has a new execution", st.PipelineName)
		return nil
	}
	if len(runs) == 0 {
		st.LatestExecution = nil
		return nil
	}
	p.reportFailures(runs, st.LatestExecution)
	st.LatestExecution = executionOf(runs[0])
	switch runs[0].Status {
	case cptypes.PipelineExecutionStatusInProgress, cptypes.PipelineExecutionStatusStopping:
		p.executionRunning = true
	}
	for _, r := range runs {
		if r.Status == cptypes.PipelineExecutionStatusSucceeded {
			return p.recordDeployed(ctx, r)
		}
	}
	return nil
}

// sameLatest reports whether runs' newest execution is latest, in the same state.
func sameLatest(latest *v1alpha1.PipelineExecution, runs []cptypes.PipelineExecutionSummary) bool {
	if len(runs) == 0 || latest == nil {
		return len(runs) == 0 && latest == nil
	}
	return latest.ID == aws.ToString(runs[0].PipelineExecutionId) && latest.Status == string(runs[0].Status)
}

func executionOf(r cptypes.PipelineExecutionSummary) *v1alpha1.PipelineExecution {
	e := &v1alpha1.PipelineExecution{ID: aws.ToString(r.PipelineExecutionId), Status: string(r.Status), SourceCommit: commitOf(r)}
	if r.StartTime != nil {
		t := metav1.NewTime(*r.StartTime)
		e.StartTime = &t
	}
	if r.Status == cptypes.PipelineExecutionStatusFailed {
		e.FailureMessage = aws.ToString(r.StatusSummary)
	}
	return e
}

// commitOf is the commit an execution's source action fetched ("" before it did).
func commitOf(r cptypes.PipelineExecutionSummary) string {
	for _, rev := range r.SourceRevisions {
		if id := aws.ToString(rev.RevisionId); id != "" {
			return id
		}
	}
	return ""
}

// reportFailures sends one Warning per execution that failed since the last pass: those
// newer than the one status recorded, and that one if it was still running then. Without
// a recorded execution only the newest is considered: an old failure is no news.
func (p *pass) reportFailures(runs []cptypes.PipelineExecutionSummary, last *v1alpha1.PipelineExecution) {
	for i, r := range runs {
		id := aws.ToString(r.PipelineExecutionId)
		seen := last != nil && id == last.ID
		if r.Status == cptypes.PipelineExecutionStatusFailed && (!seen || last.Status != string(cptypes.PipelineExecutionStatusFailed)) {
			what := "pipeline execution " + id
			if c := commitOf(r); c != "" {
				what += " of commit " + shortCommit(c)
			}
			p.recorder.Eventf(p.fd, nil, corev1.EventTypeWarning, v1alpha1.ReasonExecutionFailed, "Deploy", "%s failed: %s",
				what, orDefault(aws.ToString(r.StatusSummary), "no reason given"))
		}
		if seen || last == nil && i == 0 {
			return
		}
	}
}

// recordDeployed writes the commit and execution of the latest succeeded execution into
// status.deployedRevision, with the image and task definition its deploy action rolled
// out. The ecs stage records what the service runs; when that is another image (spec.
// service.image took over, or the circuit breaker rolled back) the execution is not what
// runs, and is not recorded.
func (p *pass) recordDeployed(ctx context.Context, r cptypes.PipelineExecutionSummary) error {
	id := aws.ToString(r.PipelineExecutionId)
	dr := p.fd.Status.DeployedRevision
	if dr != nil && dr.PipelineExecutionID == id {
		return nil
	}
	td, image, err := p.deployedBy(ctx, id)
	if err != nil {
		return err
	}
	if dr != nil && dr.Image != "" && dr.Image != image {
		return nil
	}
	if dr == nil {
		dr = &v1alpha1.DeployedRevision{}
	}
	dr.Commit, dr.PipelineExecutionID = commitOf(r), id
	if image != "" {
		dr.Image, dr.TaskDefinitionARN = image, td
	}
	p.fd.Status.DeployedRevision = dr
	p.Changed(ctx, "DeployedCommit", "Pipeline execution %s deployed commit %s (image %s)", id, shortCommit(dr.Commit), dr.Image)
	return nil
}

// deployedBy is the task definition the deploy action of execution id registered and the
// image of its container; empty when the deploy stage has run a later execution since
// (the pipeline's state keeps only each action's latest run).
func (p *pass) deployedBy(ctx context.Context, id string) (taskDefinition, image string, err error) {
	name := p.fd.Status.Pipeline.PipelineName
	out, err := p.CodePipeline.GetPipelineState(ctx, &codepipeline.GetPipelineStateInput{Name: aws.String(name)})
	if err != nil {
		return "", "", fmt.Errorf("get state of pipeline %s: %w", name, err)
	}
	for _, s := range out.StageStates {
		if aws.ToString(s.StageName) != stageDeploy || s.LatestExecution == nil || aws.ToString(s.LatestExecution.PipelineExecutionId) != id {
			continue
		}
		for _, a := range s.ActionStates {
			if a.LatestExecution != nil && a.LatestExecution.Status == cptypes.ActionExecutionStatusSucceeded {
				taskDefinition = aws.ToString(a.LatestExecution.ExternalExecutionId)
			}
		}
	}
	if !strings.Contains(taskDefinition, ":task-definition/") {
		return "", "", nil
	}
	td, err := p.ECS.DescribeTaskDefinition(ctx, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(taskDefinition)})
	if cloud.IsNotFound(err) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("describe task definition %s: %w", taskDefinition, err)
	}
	for _, c := range td.TaskDefinition.ContainerDefinitions {
		if aws.ToString(c.Name) == cloud.ContainerName {
			return taskDefinition, aws.ToString(c.Image), nil
		}
	}
	return "", "", nil
}
