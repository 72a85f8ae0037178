package ecs_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	corev1 "k8s.io/api/core/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// revisions lists the family's revisions in a status.
func (r *rig) revisions(fd *v1alpha1.FlaskDeployment, status ecstypes.TaskDefinitionStatus) []string {
	r.t.Helper()
	out, err := r.clients.ECS(region).ListTaskDefinitions(bg, &ecs.ListTaskDefinitionsInput{FamilyPrefix: aws.String(ecsName(fd, "task")), Status: status})
	if err != nil {
		r.t.Fatalf("list task definitions: %v", err)
	}
	return out.TaskDefinitionArns
}

// registerLike registers a copy of a revision with another image, as the pipeline's ECS
// deploy does (tags nil: the copy carries none), or with tags of its own.
func (r *rig) registerLike(arn, image string, tags map[string]string) string {
	r.t.Helper()
	return r.registerCopy(arn, image, tags, aws.ToString(r.taskDefinition(arn).ExecutionRoleArn))
}

// foreignExecutionRole is a role another team's tasks run with: one fd's pipeline cannot
// pass.
var foreignExecutionRole = "arn:aws:iam::" + awssim.Account + ":role/other-team-exec"

// registerCopy registers a copy of a revision with another image, tags and execution role:
// with foreignExecutionRole, what someone other than fd's pipeline could register in fd's
// family.
func (r *rig) registerCopy(arn, image string, tags map[string]string, executionRole string) string {
	r.t.Helper()
	cur := r.taskDefinition(arn)
	cur.ContainerDefinitions[0].Image = aws.String(image)
	out, err := r.clients.ECS(region).RegisterTaskDefinition(bg, &ecs.RegisterTaskDefinitionInput{Family: cur.Family,
		RequiresCompatibilities: cur.RequiresCompatibilities, NetworkMode: cur.NetworkMode, Cpu: cur.Cpu, Memory: cur.Memory,
		ExecutionRoleArn: aws.String(executionRole), ContainerDefinitions: cur.ContainerDefinitions, Tags: cloud.ToECS(tags)})
	if err != nil {
		r.t.Fatalf("register: %v", err)
	}
	return aws.ToString(out.TaskDefinition.TaskDefinitionArn)
}

// A revision is registered only when the container definition changes, and each such
// change rolls out once; superseded revisions are deregistered down to the current one and
// the one before it, whoever registered them for fd, and a delete deletes them all.
func TestRevisions(t *testing.T) {
	fd := newFD("shop", "revs")
	r := converged(t, fd)
	calls := func() (register, update int) {
		return r.sim.CallCount("ecs", "RegisterTaskDefinition"), r.sim.CallCount("ecs", "UpdateService")
	}
	first := fd.Status.Service.TaskDefinitionARN

	// A change outside the container: no revision, one update of the count.
	reg0, upd0 := calls()
	three := int32(3)
	fd.Spec.Service.DesiredCount = &three
	fd.Generation++
	r.converge(fd)
	if reg, upd := calls(); reg != reg0 || upd != upd0+1 || fd.Status.Service.TaskDefinitionARN != first {
		t.Errorf("desired count change: %d registrations, %d updates, revision %s; want 0, 1, %s", reg-reg0, upd-upd0, fd.Status.Service.TaskDefinitionARN, first)
	}

	// An environment variable: exactly one revision and one rollout.
	reg0, upd0 = calls()
	fd.Spec.Service.Env = []corev1.EnvVar{{Name: "MODE", Value: "prod"}}
	fd.Generation++
	r.converge(fd)
	second := fd.Status.Service.TaskDefinitionARN
	if reg, upd := calls(); reg != reg0+1 || upd != upd0+1 || second == first {
		t.Errorf("env change: %d registrations, %d updates; want 1 and 1", reg-reg0, upd-upd0)
	}
	svc := r.service(fd)
	if aws.ToString(svc.TaskDefinition) != second || svc.RunningCount != 3 {
		t.Errorf("service runs %s with %d tasks, want %s with 3", aws.ToString(svc.TaskDefinition), svc.RunningCount, second)
	}
	if env := r.taskDefinition(second).ContainerDefinitions[0].Environment; len(env) != 1 || aws.ToString(env[0].Value) != "prod" {
		t.Errorf("environment %+v", env)
	}
	if got := r.revisions(fd, ecstypes.TaskDefinitionStatusActive); !slices.Equal(got, []string{first, second}) {
		t.Errorf("ACTIVE revisions %v, want the current and the previous one", got)
	}

	// A foreign revision in the family, and the pipeline deploying twice with untagged
	// copies: what fd registered (itself or through the pipeline) is pruned to the last two.
	foreign := r.registerCopy(second, "public.ecr.aws/docker/library/python:3.11-slim", map[string]string{"team": "other"}, foreignExecutionRole)
	deploy := func(arn string) {
		if _, err := r.clients.ECS(region).UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String(fd.Status.Service.ClusterARN),
			Service: aws.String(fd.Status.Service.ServiceARN), TaskDefinition: aws.String(arn)}); err != nil {
			t.Fatal(err)
		}
		r.converge(fd)
	}
	fd.Spec.Service.Image = ""
	fd.Generation++
	third := r.registerLike(second, "public.ecr.aws/docker/library/python:3.13-slim", nil)
	deploy(third)
	fourth := r.registerLike(third, "public.ecr.aws/docker/library/python:3.14-slim", nil)
	deploy(fourth)
	if got := r.revisions(fd, ecstypes.TaskDefinitionStatusActive); !slices.Equal(got, []string{foreign, third, fourth}) {
		t.Errorf("ACTIVE revisions %v, want the foreign one %s and the pipeline's last two", got, foreign)
	}
	if got := r.revisions(fd, ecstypes.TaskDefinitionStatusInactive); !slices.Equal(got, []string{first, second}) {
		t.Errorf("INACTIVE revisions %v, want %s and %s", got, first, second)
	}

	// Delete: every revision of fd's, ACTIVE or not, is deleted; the foreign one stays.
	r.deleteAll(fd)
	if got := r.revisions(fd, ecstypes.TaskDefinitionStatusActive); !slices.Equal(got, []string{foreign}) {
		t.Errorf("ACTIVE revisions after delete %v, want only the foreign one", got)
	}
	for _, status := range []ecstypes.TaskDefinitionStatus{ecstypes.TaskDefinitionStatusInactive, ecstypes.TaskDefinitionStatusDeleteInProgress} {
		if got := r.revisions(fd, status); len(got) != 0 {
			t.Errorf("%s revisions after delete: %v", status, got)
		}
	}
	for _, arn := range []string{first, fourth} {
		if _, err := r.clients.ECS(region).DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn)}); err == nil {
			t.Errorf("%s still describable after delete", arn)
		}
	}
}
