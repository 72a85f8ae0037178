package cicd_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	iampolicy "github.com/flaskops/flask-operator/config/iam"
	"github.com/flaskops/flask-operator/controllers/cicd"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// The stage needs nothing beyond the operator policy of config/iam: with the simulator
// enforcing it, a pipeline is built, deploys a commit and is deleted with its artifacts.
func TestWorksUnderTheOperatorPolicy(t *testing.T) {
	doc, err := iampolicy.OperatorPolicy(cluster)
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t)
	conn := r.connection("github")
	fd := newFD(tenant, "shop", conn)
	r.inputs(fd)
	if err := r.sim.SetIdentityPolicy(doc); err != nil {
		t.Fatal(err)
	}
	r.converge(fd)
	must(r, r.sim.ApproveConnection(conn))
	r.push(commit(1), false)
	r.until(fd, "deployed", func() bool { return r.latest(fd).Status == "Succeeded" })
	used := r.sim.UsedActions()
	must(r, r.sim.SetIdentityPolicy(nil)) // the pipeline's own writes, not the operator's
	r.putArtifacts(fd.Status.Pipeline.ArtifactBucket)
	must(r, r.sim.SetIdentityPolicy(doc))
	r.deleteAll(fd)
	if left := r.leftovers(); len(left) != 0 {
		t.Fatalf("left behind: %v", left)
	}
	used = append(used, r.sim.UsedActions()...)
	for _, action := range []string{"s3:CreateBucket", "s3:TagResource", "s3:DeleteObjectVersion", "iam:PassRole", "codepipeline:CreatePipeline", "codebuild:CreateProject"} {
		if !slices.Contains(used, action) {
			t.Errorf("the policy was never asked for %s: %s", action, strings.Join(used, " "))
		}
	}
}

// Under the policy the operator cannot read a role outside /flaskops/: one that holds the
// build role's name is someone else's, and the stage stalls naming it.
func TestRoleOfOurNameOutsideOurPath(t *testing.T) {
	doc, err := iampolicy.OperatorPolicy(cluster)
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t)
	fd := newFD(tenant, "shop", r.connection("github"))
	r.inputs(fd)
	name := owner(fd).Name(cloud.RoleName, "build")
	_, err = r.clients.IAM(region).CreateRole(bg, &iam.CreateRoleInput{RoleName: aws.String(name),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"codebuild.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	must(r, err)
	must(r, r.sim.SetIdentityPolicy(doc))
	var last error
	for range 3 {
		if _, last = r.pass(fd); last != nil {
			break
		}
	}
	if term, ok := stage.AsTerminal(last); !ok || term.Reason != v1alpha1.ReasonOwnershipConflict || !strings.Contains(last.Error(), name) {
		t.Fatalf("a foreign role of our name: %v", last)
	}
}

// The build and pipeline roles of a pipeline made before the manager had a permissions
// boundary are given it, under the operator's policy, before any policy is put into them;
// it is reported as drift.
func TestRolesMadeBeforeTheBoundaryAreGivenIt(t *testing.T) {
	doc, err := iampolicy.OperatorPolicy(cluster)
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t)
	fd := newFD(tenant, "shop", r.connection("github"))
	r.inputs(fd)
	r.stage = cicd.New(cicd.ClientsFrom(r.clients), r.readSecret, r.events, cluster)
	r.converge(fd)
	roles := []string{owner(fd).Name(cloud.RoleName, "build"), owner(fd).Name(cloud.RoleName, "pipeline")}
	boundaryOf := func(name string) string {
		out, err := r.clients.IAM(region).GetRole(bg, &iam.GetRoleInput{RoleName: aws.String(name)})
		must(r, err)
		return cloud.RoleBoundary(out.Role)
	}
	for _, name := range roles {
		if b := boundaryOf(name); b != "" {
			t.Fatalf("role %s made without a boundary has %q", name, b)
		}
	}

	r.stage = r.newStage(r.clients)
	must(r, r.sim.SetIdentityPolicy(doc))
	r.converge(fd)
	want := iampolicy.BoundaryARN(awssim.Account, cluster)
	for _, name := range roles {
		if b := boundaryOf(name); b != want {
			t.Errorf("role %s has boundary %q, want %s", name, b, want)
		}
		if !slices.ContainsFunc(fd.Status.Drift, func(d string) bool { return strings.Contains(d, "role "+name+" had no permissions boundary") }) {
			t.Errorf("drift %v does not report role %s", fd.Status.Drift, name)
		}
	}
	if !slices.Contains(r.sim.UsedActions(), "iam:PutRolePermissionsBoundary") {
		t.Errorf("iam:PutRolePermissionsBoundary not used: %v", r.sim.UsedActions())
	}
}
