package stage

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const execRolePolicy = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

// attachingFirst attaches a policy to the role just before the first DeleteRole, as someone
// could between the listing of its policies and its deletion.
type attachingFirst struct {
	*iam.Client
	attached bool
}

func (c *attachingFirst) DeleteRole(ctx context.Context, in *iam.DeleteRoleInput, optFns ...func(*iam.Options)) (*iam.DeleteRoleOutput, error) {
	if !c.attached {
		c.attached = true
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: in.RoleName, PolicyArn: aws.String(execRolePolicy)}); err != nil {
			return nil, err
		}
	}
	return c.Client.DeleteRole(ctx, in, optFns...)
}

// A role of the object's goes with its inline and attached policies; a policy attached
// after the listing is a wait, and the next pass finishes; a role its tags do not prove the
// object's, or none, is left as it is.
func TestDeleteRole(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(must(awssim.New(awssim.WithTimeScale(0))))
	t.Cleanup(srv.Close)
	c := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")})
	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "shop", UID: "uid-1"}}
	role := func(name string, tags map[string]string) *iam.GetRoleOutput {
		t.Helper()
		if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), Tags: cloud.ToIAM(tags),
			AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}); err != nil {
			t.Fatal(err)
		}
		for _, pol := range []string{"a", "b"} {
			if _, err := c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(pol),
				PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:CreateLogStream","Resource":"*"}]}`)}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(execRolePolicy)}); err != nil {
			t.Fatal(err)
		}
		return must(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)}))
	}
	exists := func(name string) bool {
		_, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
		return err == nil
	}
	kind := Kind{Name: "role", Reason: "Role", IDKey: "roleName"}

	j, rec := journalFor(fd)
	ours := role("ours", cloud.NewOwner("demo", fd).Tags("network", "role"))
	racing := &attachingFirst{Client: c}
	if done, err := j.DeleteRole(ctx, racing, kind, "ours", ours.Role, 0); err != nil || done {
		t.Fatalf("a policy attached after the listing: done %v, %v; want a wait", done, err)
	}
	if r, ok := j.Unfinished(0, ""); !ok || r.Reason != v1alpha1.ReasonWaitingForDeletion || !strings.Contains(r.Message, "role ours still has policies") {
		t.Fatalf("the wait: %+v", r)
	}
	if done, err := j.DeleteRole(ctx, racing, kind, "ours", ours.Role, 0); err != nil || !done || exists("ours") {
		t.Fatalf("the next pass: done %v, %v, role exists %v", done, err, exists("ours"))
	}
	if evs := drainEvents(rec); !slices.ContainsFunc(evs, func(e string) bool { return strings.Contains(e, "DeletedRole") }) {
		t.Errorf("no DeletedRole event in %v", evs)
	}

	other := fd.DeepCopy()
	other.Name, other.UID = "other", "uid-2"
	foreign := role("foreign", cloud.NewOwner("demo", other).Tags("network", "role"))
	j, rec = journalFor(fd)
	if done, err := j.DeleteRole(ctx, c, kind, "foreign", foreign.Role, 0); err != nil || !done || !exists("foreign") {
		t.Fatalf("another object's role: done %v, %v, role exists %v", done, err, exists("foreign"))
	}
	if policies := must(c.ListRolePolicies(ctx, &iam.ListRolePoliciesInput{RoleName: aws.String("foreign")})); len(policies.PolicyNames) != 2 {
		t.Errorf("another object's role lost its policies: %v", policies.PolicyNames)
	}
	if evs := drainEvents(rec); !slices.ContainsFunc(evs, func(e string) bool { return strings.Contains(e, "KeptRole") }) {
		t.Errorf("no KeptRole event in %v", evs)
	}
	if done, err := j.DeleteRole(ctx, c, kind, "", nil, 0); err != nil || !done {
		t.Fatalf("no role: done %v, %v", done, err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func drainEvents(rec *events.FakeRecorder) []string {
	var out []string
	for {
		select {
		case e := <-rec.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}
