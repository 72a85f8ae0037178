package ecs_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"k8s.io/apimachinery/pkg/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	iampolicy "github.com/flaskops/flask-operator/config/iam"
	ecsstage "github.com/flaskops/flask-operator/controllers/ecs"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// pipelineFD is a converged object whose image the pipeline owns (spec.service.image
// empty, the service keeps what runs), with the revision its service runs.
func pipelineFD(t *testing.T) (*rig, *v1alpha1.FlaskDeployment, string) {
	fd := newFD("shop", "pipe")
	r := converged(t, fd)
	fd.Spec.Service.Image = ""
	fd.Generation++
	r.converge(fd)
	return r, fd, fd.Status.Service.TaskDefinitionARN
}

// deployAsPipeline points fd's service at arn, as the pipeline's ECS deploy action does
// after registering it.
func (r *rig) deployAsPipeline(fd *v1alpha1.FlaskDeployment, arn string) {
	r.t.Helper()
	if _, err := r.clients.ECS(region).UpdateService(bg, &ecs.UpdateServiceInput{Cluster: aws.String(fd.Status.Service.ClusterARN),
		Service: aws.String(fd.Status.Service.ServiceARN), TaskDefinition: aws.String(arn)}); err != nil {
		r.t.Fatalf("deploy %s: %v", arn, err)
	}
}

// revisionTags are a revision's tags as ECS reports them.
func (r *rig) revisionTags(arn string) map[string]string {
	r.t.Helper()
	out, err := r.clients.ECS(region).DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(arn),
		Include: []ecstypes.TaskDefinitionField{ecstypes.TaskDefinitionFieldTags}})
	if err != nil {
		r.t.Fatalf("describe task definition %s: %v", arn, err)
	}
	return cloud.FromECS(out.Tags)
}

// The pipeline's ECS deploy registers a copy of the revision the service runs, which on
// AWS may carry none of its tags, and points the service at it. That revision, of fd's
// family and run by fd's service as its primary deployment, is adopted: tagged as fd's,
// with no new registration and no extra rollout, and deleted with fd.
func TestPipelineRevisionTheServiceRunsIsAdopted(t *testing.T) {
	r, fd, current := pipelineFD(t)
	drain(r)
	deployed := r.registerLike(current, "public.ecr.aws/docker/library/python:3.13-slim", nil)
	r.deployAsPipeline(fd, deployed)

	w := writes(r, func() { r.converge(fd) })
	if want := map[string]int{"ecs:TagResource": 1}; !maps.Equal(w, want) {
		t.Errorf("converging after the pipeline's deploy wrote %v, want %v (adopt it, register nothing, no rollout)", w, want)
	}
	if got, want := r.revisionTags(deployed), owner(fd).Tags(ecsstage.Name, "task-definition"); !maps.Equal(got, want) {
		t.Errorf("the pipeline's revision has tags %v, want fd's %v", got, want)
	}
	if st := fd.Status.Service; st.TaskDefinitionARN != deployed || aws.ToString(r.service(fd).TaskDefinition) != deployed {
		t.Errorf("status records %s, the service runs %s; want the pipeline's %s", st.TaskDefinitionARN, aws.ToString(r.service(fd).TaskDefinition), deployed)
	}
	if !slices.ContainsFunc(drain(r), func(e string) bool {
		return strings.Contains(e, "Adopted task definition "+deployed+": deployed by the pipeline")
	}) {
		t.Error("no event says the pipeline's revision was adopted")
	}
	if w := writes(r, func() { r.converge(fd) }); len(w) != 0 {
		t.Errorf("a pass after the adoption wrote %v", w)
	}

	r.deleteAll(fd)
	if _, err := r.clients.ECS(region).DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(deployed)}); err == nil {
		t.Errorf("the adopted revision %s is still describable after the delete", deployed)
	}
	if left := r.revisions(fd, ecstypes.TaskDefinitionStatusActive); len(left) != 0 {
		t.Errorf("ACTIVE revisions after the delete: %v", left)
	}
}

// An untagged revision of fd's family that the service does not run and that runs with
// another team's execution role proves nothing: it is left as it is, through passes and
// the delete.
func TestUntaggedRevisionTheServiceDoesNotRunIsLeftAlone(t *testing.T) {
	r, fd, current := pipelineFD(t)
	stray := r.registerCopy(current, "public.ecr.aws/docker/library/python:3.13-slim", nil, foreignExecutionRole)

	w := writes(r, func() { r.converge(fd) })
	if len(w) != 0 {
		t.Errorf("a pass with an untagged revision the service does not run wrote %v", w)
	}
	if tags := r.revisionTags(stray); len(tags) != 0 {
		t.Errorf("the untagged revision got tags %v", tags)
	}
	if fd.Status.Service.TaskDefinitionARN != current {
		t.Errorf("status records %s, want %s", fd.Status.Service.TaskDefinitionARN, current)
	}

	r.deleteAll(fd)
	if got := r.revisions(fd, ecstypes.TaskDefinitionStatusActive); !slices.Equal(got, []string{stray}) {
		t.Errorf("ACTIVE revisions after the delete %v, want only the untagged one %s", got, stray)
	}
	if tags := r.revisionTags(stray); len(tags) != 0 {
		t.Errorf("the untagged revision got tags %v", tags)
	}
}

// The pipeline deploying twice between two passes leaves a copy no pass saw running: it
// carries no tags, but it runs with fd's execution role, which only fd's pipeline (and the
// operator, which tags what it registers) may pass. It is fd's all the same: deregistered
// once superseded, and deleted with fd.
func TestPipelineCopyNoPassSawRunningIsPrunedAndDeleted(t *testing.T) {
	r, fd, current := pipelineFD(t)
	unseen := r.registerLike(current, "public.ecr.aws/docker/library/python:3.13-slim", nil)
	r.deployAsPipeline(fd, unseen)
	second := r.registerLike(unseen, "public.ecr.aws/docker/library/python:3.14-slim", nil)
	r.deployAsPipeline(fd, second)
	r.converge(fd)
	if tags := r.revisionTags(unseen); len(tags) != 0 {
		t.Fatalf("the copy no pass saw running got tags %v", tags)
	}
	third := r.registerLike(second, "public.ecr.aws/docker/library/python:3.11-slim", nil)
	r.deployAsPipeline(fd, third)
	r.converge(fd)
	if got := r.revisions(fd, ecstypes.TaskDefinitionStatusActive); !slices.Equal(got, []string{second, third}) {
		t.Errorf("ACTIVE revisions %v, want the current one and the one before it (%s, %s)", got, second, third)
	}
	if got := r.revisions(fd, ecstypes.TaskDefinitionStatusInactive); !slices.Contains(got, unseen) {
		t.Errorf("INACTIVE revisions %v, want the superseded copy %s among them", got, unseen)
	}

	r.deleteAll(fd)
	for _, status := range []ecstypes.TaskDefinitionStatus{ecstypes.TaskDefinitionStatusActive, ecstypes.TaskDefinitionStatusInactive} {
		if left := r.revisions(fd, status); len(left) != 0 {
			t.Errorf("%s revisions after the delete: %v", status, left)
		}
	}
	for _, e := range drain(r) {
		if strings.Contains(e, "KeptTaskDefinition") {
			t.Errorf("the delete kept a revision: %s", e)
		}
	}
}

// A revision the service runs whose flaskops.io tags do not prove it fd's is someone
// else's, whoever deployed it: the pass stalls with OwnershipConflict naming it and writes
// nothing.
func TestForeignRevisionTheServiceRunsIsAConflict(t *testing.T) {
	for _, tt := range []struct {
		name string
		tags func(fd *v1alpha1.FlaskDeployment) map[string]string
	}{
		{"another object's", func(fd *v1alpha1.FlaskDeployment) map[string]string {
			other := fd.DeepCopy()
			other.Name, other.UID = "other", types.UID("other-uid")
			return cloud.NewOwner(testCluster, other).Tags(ecsstage.Name, "task-definition")
		}},
		{"another cluster's", func(fd *v1alpha1.FlaskDeployment) map[string]string {
			return cloud.NewOwner("other", fd).Tags(ecsstage.Name, "task-definition")
		}},
		{"fd's with its owner tag removed", func(fd *v1alpha1.FlaskDeployment) map[string]string {
			tags := owner(fd).Tags(ecsstage.Name, "task-definition")
			delete(tags, cloud.TagOwner)
			return tags
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, fd, current := pipelineFD(t)
			tags := tt.tags(fd)
			foreign := r.registerLike(current, "public.ecr.aws/docker/library/python:3.13-slim", tags)
			r.deployAsPipeline(fd, foreign)

			var err error
			w := writes(r, func() { _, err = r.pass(fd) })
			term, ok := stage.AsTerminal(err)
			if !ok || term.Reason != v1alpha1.ReasonOwnershipConflict || !strings.Contains(err.Error(), foreign) {
				t.Fatalf("pass = %v, want a terminal %s naming %s", err, v1alpha1.ReasonOwnershipConflict, foreign)
			}
			if len(w) != 0 {
				t.Errorf("the stalled pass wrote %v", w)
			}
			if got := r.revisionTags(foreign); !maps.Equal(got, tags) {
				t.Errorf("the foreign revision's tags are %v, want them left as they were (%v)", got, tags)
			}
		})
	}
}

// A revision the pipeline deployed just before the object is deleted, with no pass in
// between, is adopted by the delete while the service still proves it, and deleted.
func TestPipelineRevisionDeployedBeforeTheDeleteIsDeleted(t *testing.T) {
	r, fd, current := pipelineFD(t)
	deployed := r.registerLike(current, "public.ecr.aws/docker/library/python:3.13-slim", nil)
	r.deployAsPipeline(fd, deployed)

	r.deleteAll(fd)
	for _, status := range []ecstypes.TaskDefinitionStatus{ecstypes.TaskDefinitionStatusActive, ecstypes.TaskDefinitionStatusInactive} {
		if left := r.revisions(fd, status); len(left) != 0 {
			t.Errorf("%s revisions after the delete: %v", status, left)
		}
	}
	if _, err := r.clients.ECS(region).DescribeTaskDefinition(bg, &ecs.DescribeTaskDefinitionInput{TaskDefinition: aws.String(deployed)}); err == nil {
		t.Errorf("the pipeline's revision %s is still describable after the delete", deployed)
	}
}

// Under the operator's policy the adoption is allowed by its AdoptPipelineRevisions
// statement alone: without it AWS (here awssim's policy evaluator) refuses the tagging, as
// the revision carries no cluster tag for the other ecs:TagResource grants to match.
func TestAdoptionUnderTheOperatorPolicy(t *testing.T) {
	docs, err := iampolicy.OperatorPolicies(testCluster)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		without string // a statement removed
	}{{name: "with the policy"}, {name: "without AdoptPipelineRevisions", without: "AdoptPipelineRevisions"}} {
		t.Run(tt.name, func(t *testing.T) {
			r, fd, current := pipelineFD(t)
			deployed := r.registerLike(current, "public.ecr.aws/docker/library/python:3.13-slim", nil)
			r.deployAsPipeline(fd, deployed)
			if err := r.sim.SetIdentityPolicy(policyWithout(t, docs, tt.without)); err != nil {
				t.Fatal(err)
			}
			_, err := r.pass(fd)
			tags := r.revisionTags(deployed)
			if tt.without == "" {
				if err != nil || !owner(fd).Owns(tags) {
					t.Fatalf("pass = %v, revision tags %v: want the revision adopted", err, tags)
				}
				return
			}
			if !strings.Contains(fmt.Sprint(err), "AccessDenied") || !strings.Contains(fmt.Sprint(err), "ecs:TagResource") || len(tags) != 0 {
				t.Fatalf("pass = %v, revision tags %v: want the tagging refused with AccessDenied", err, tags)
			}
		})
	}
}

// policyWithout merges the operator's policy documents into one, less the statement sid.
func policyWithout(t *testing.T, docs map[string][]byte, sid string) []byte {
	t.Helper()
	var all []json.RawMessage
	for _, name := range slices.Sorted(maps.Keys(docs)) {
		var d struct{ Statement []json.RawMessage }
		if err := json.Unmarshal(docs[name], &d); err != nil {
			t.Fatal(err)
		}
		for _, raw := range d.Statement {
			var s struct{ Sid string }
			if err := json.Unmarshal(raw, &s); err != nil {
				t.Fatal(err)
			}
			if s.Sid != sid {
				all = append(all, raw)
			}
		}
	}
	doc, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": all})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
