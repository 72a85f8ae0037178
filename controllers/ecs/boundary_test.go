package ecs_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	iampolicy "github.com/flaskops/flask-operator/config/iam"
	"github.com/flaskops/flask-operator/controllers"
	"github.com/flaskops/flask-operator/controllers/ecs"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/testenv"
)

var boundary = iampolicy.BoundaryARN(awssim.Account, testCluster)

// withBoundary makes the rig's ecs stage create its role with boundary b.
func (r *rig) withBoundary(b string) {
	r.stage = ecs.New(func(region string) ecs.Clients { return controllers.ECSClients(r.clients, region) }, r.events, testCluster).WithRoleBoundary(b)
}

// roleBoundary reads the execution role's permissions boundary.
func (r *rig) roleBoundary(fd *v1alpha1.FlaskDeployment) string {
	r.t.Helper()
	out, err := r.clients.IAM(region).GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String(owner(fd).Name(cloud.RoleName, "exec"))})
	if err != nil {
		r.t.Fatalf("get execution role: %v", err)
	}
	return cloud.RoleBoundary(out.Role)
}

// Until an administrator has created the permissions boundary, IAM refuses the role and
// the stage stops with IAM's message, terminal; once it exists the next pass goes on.
func TestExecutionRoleWaitsForTheBoundaryToExist(t *testing.T) {
	r := newRig(t)
	r.withBoundary(boundary)
	fd := newFD("team-a", "shop")
	r.buildNetwork(fd)
	var err error
	for range 3 {
		if _, err = r.pass(fd); err != nil {
			break
		}
	}
	term, ok := stage.AsTerminal(err)
	if !ok || term.Reason != v1alpha1.ReasonNotFound ||
		!strings.Contains(err.Error(), "NoSuchEntity: Scope ARN: "+boundary+" does not exist or is not attachable.") {
		t.Fatalf("pass without the boundary: %v", err)
	}
	if n := r.owned(fd)["iam/role"]; n != 0 {
		t.Fatalf("%d roles exist after IAM refused the create", n)
	}
	if err := testenv.CreateBoundary(context.Background(), r.clients.IAM(region), testCluster); err != nil {
		t.Fatal(err)
	}
	r.converge(fd)
	if got := r.roleBoundary(fd); got != boundary {
		t.Fatalf("role created with boundary %q, want %s", got, boundary)
	}
}

// A role made before the manager had a boundary is given it, under the operator's own
// policy, which allows setting that boundary and no other; it is reported as drift.
func TestExecutionRoleGetsTheBoundaryItLacks(t *testing.T) {
	r := newRig(t)
	fd := newFD("team-a", "shop")
	r.buildNetwork(fd)
	r.converge(fd)
	if got := r.roleBoundary(fd); got != "" {
		t.Fatalf("a stage without boundary made a role with %q", got)
	}
	if err := testenv.CreateBoundary(context.Background(), r.clients.IAM(region), testCluster); err != nil {
		t.Fatal(err)
	}
	doc, err := iampolicy.OperatorPolicy(testCluster)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.sim.SetIdentityPolicy(doc); err != nil {
		t.Fatal(err)
	}

	r.withBoundary("arn:aws:iam::" + awssim.Account + ":policy/flaskops/another-boundary")
	if _, err := r.pass(fd); !cloud.IsAccessDenied(err) || !strings.Contains(err.Error(), "iam:PutRolePermissionsBoundary") {
		t.Fatalf("the policy let the stage set another boundary: %v", err)
	}
	r.withBoundary(boundary)
	if res := r.converge(fd); !res.Done {
		t.Fatalf("not converged: %+v", res)
	}
	if got := r.roleBoundary(fd); got != boundary {
		t.Fatalf("boundary %q, want %s", got, boundary)
	}
	if !slices.ContainsFunc(fd.Status.Drift, func(d string) bool { return strings.Contains(d, "had no permissions boundary; set to "+boundary) }) {
		t.Errorf("drift %v does not report the boundary set", fd.Status.Drift)
	}
	if used := r.sim.UsedActions(); !slices.Contains(used, "iam:PutRolePermissionsBoundary") {
		t.Errorf("iam:PutRolePermissionsBoundary not among the used actions %v", used)
	}
	fd.Status.Drift = nil
	r.converge(fd)
	if len(fd.Status.Drift) != 0 {
		t.Errorf("the next pass still finds drift: %v", fd.Status.Drift)
	}
}
