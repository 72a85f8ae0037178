package cicd_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/flaskops/flask-operator/api/v1alpha1"
)

// putArtifacts writes two versions of an object and a delete marker over another, as
// pipeline runs leave them.
func (r *rig) putArtifacts(bucket string) {
	r.t.Helper()
	c := r.clients.S3(region)
	for _, key := range []string{"SourceOutput/a.zip", "SourceOutput/a.zip", "BuildOutput/b.zip"} {
		_, err := c.PutObject(bg, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader("artifact")})
		must(r, err)
	}
	_, err := c.DeleteObject(bg, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String("BuildOutput/b.zip")})
	must(r, err)
}

// Delete removes everything the stage made, a build in progress and a bucket full of
// versions included, and leaves nothing of CodePipeline, CodeBuild or S3 behind.
func TestDeleteLeavesNothing(t *testing.T) {
	r := newRig(t)
	conn := r.connection("github")
	fd := newFD(tenant, "shop", conn)
	r.inputs(fd)
	r.converge(fd)
	must(r, r.sim.ApproveConnection(conn))
	r.push(commit(1), false)
	r.until(fd, "deployed", func() bool { return r.latest(fd).Status == "Succeeded" })
	r.putArtifacts(fd.Status.Pipeline.ArtifactBucket)
	r.push(commit(2), false)
	r.clock.Advance(30 * time.Second) // the source has fetched: a build runs
	r.mustPass(fd)
	if r.latest(fd).Status != "InProgress" {
		t.Fatalf("no execution in progress to delete under: %+v", r.latest(fd))
	}

	res, err := r.stage.Delete(bg, fd)
	if err != nil || res.Done || res.Reason != v1alpha1.ReasonWaitingForDeletion {
		t.Fatalf("first delete pass with a build running: %+v %v", res, err)
	}
	r.deleteAll(fd)
	if left := r.leftovers(); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	if fd.Status.Pipeline != (v1alpha1.PipelineStatus{}) {
		t.Fatalf("status still names %+v", fd.Status.Pipeline)
	}
	if n := len(r.eventsWith("Deleted")); n != 6 {
		t.Fatalf("%d Deleted events, want one per resource", n)
	}
	// Deleting again finds nothing and is done at once.
	if res, err := r.stage.Delete(bg, fd); err != nil || !res.Done {
		t.Fatalf("second delete: %+v %v", res, err)
	}
}

// Taking spec.pipeline out of the spec removes everything; then the stage is ready as
// NotConfigured and asks AWS nothing more.
func TestRemovingThePipelineFromTheSpec(t *testing.T) {
	r := newRig(t)
	fd := newFD(tenant, "shop", r.connection("github"))
	r.inputs(fd)
	r.converge(fd)
	r.putArtifacts(fd.Status.Pipeline.ArtifactBucket)
	fd.Spec.Pipeline = nil
	fd.Generation++
	res := r.converge(fd)
	if res.Reason != v1alpha1.ReasonNotConfigured {
		t.Fatalf("result %+v", res)
	}
	if left := r.leftovers(); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	if meta.FindStatusCondition(fd.Status.Conditions, v1alpha1.ConditionSourceConnectionReady) != nil {
		t.Fatal("SourceConnectionReady without a pipeline")
	}
	before := r.sim.Calls()
	r.mustPass(fd)
	if after := r.sim.Calls(); !maps.Equal(after, before) {
		t.Fatalf("a pass without a pipeline called AWS: %v, before %v", after, before)
	}

	// Putting it back builds it all again, as a set-up: nothing of it is drift.
	fd.Spec.Pipeline = newFD(tenant, "shop", r.connection("github")).Spec.Pipeline
	fd.Generation++
	r.eventsWith()
	r.converge(fd)
	if got := r.owned(fd); !maps.Equal(got, map[string]int{"s3/bucket": 1, "logs/log-group": 1, "iam/role": 2, "codebuild/project": 1, "codepipeline/pipeline": 1}) {
		t.Fatalf("after putting the pipeline back: %v", got)
	}
	if fd.Status.Drift != nil || len(r.eventsWith("RepairedDrift")) != 0 {
		t.Fatalf("a new pipeline reported as drift: %v", fd.Status.Drift)
	}
}
