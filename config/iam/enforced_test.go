package iam_test

import (
	"context"
	"maps"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	iampolicy "github.com/flaskops/flask-operator/config/iam"
	"github.com/flaskops/flask-operator/controllers/ecr"
	"github.com/flaskops/flask-operator/controllers/network"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
	"github.com/flaskops/flask-operator/internal/stagetest"
)

// The network and ecr stages live a whole life (create, change, suspend, resume, delete)
// against awssim enforcing the rendered policy, without a control plane: any call it
// refuses fails the pass. The grants no call used are listed. test/integration runs every
// stage so under envtest.
func TestStagesLiveUnderThePolicy(t *testing.T) {
	doc, err := iampolicy.OperatorPolicy(cluster)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := awssim.New(awssim.WithTimeScale(0), awssim.WithIdentityPolicy(doc))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c := cloud.NewClients(aws.Config{Region: region, BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSIMULATOR", "secret", ""),
		Retryer:     func() aws.Retryer { return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 1 }) }})
	rec := events.NewFakeRecorder(10000)
	stages := []stage.Stage{
		network.New(func(r string) cloud.NetworkEC2 { return c.EC2(r) }, rec, cluster),
		ecr.New(func(r string) cloud.ECRAPI { return c.ECR(r) }, func(r string) cloud.SSMAPI { return c.SSM(r) }, rec, cluster),
	}

	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "app", UID: "uid-1", Generation: 1}}
	fd.Spec.Region = region
	fd.Spec.Tags = map[string]string{"team": "a", "cost": "x"}
	fd.Spec.Network = v1alpha1.NetworkSpec{VPCCIDR: "10.0.0.0/16", PublicSubnetCIDRs: []string{"10.0.1.0/24", "10.0.2.0/24"},
		PrivateSubnetCIDRs: []string{"10.0.3.0/24", "10.0.4.0/24"}, NATGateways: v1alpha1.NATGatewaySingle}
	fd.Spec.DeletionPolicy, fd.Spec.ManagementPolicy = v1alpha1.DeletionPolicyDelete, v1alpha1.ManagementPolicyFull
	fd.Spec.Repository.KeepImages = 5
	fd.Status.Region = region
	store := &stagetest.Store{}
	ctx := context.Background()
	converge := func(what string) {
		t.Helper()
		for _, s := range stages {
			for i := 0; ; i++ {
				res, err := stagetest.Pass(ctx, s, fd, store)
				if err != nil {
					t.Fatalf("%s: %s: %v", what, s.Name(), err)
				}
				if res.Done {
					break
				}
				if i == 100 {
					t.Fatalf("%s: %s not done: %s", what, s.Name(), res.Message)
				}
			}
		}
		// What the orchestrator records after a pass: the user tag keys now on AWS.
		fd.Status.TagKeys = slices.Sorted(maps.Keys(fd.Spec.Tags))
	}
	converge("create")
	fd.Spec.Tags = map[string]string{"team": "b"}
	fd.Spec.Network.NATGateways = v1alpha1.NATGatewayPerAZ
	fd.Spec.Repository.KeepImages = 7
	fd.Spec.Repository.ImageTagMutability = "IMMUTABLE"
	fd.Spec.Repository.ScanOnPush = aws.Bool(false)
	converge("change")
	fd.Spec.Suspend = true
	converge("suspend")
	fd.Spec.Suspend = false
	converge("resume")
	for i := len(stages) - 1; i >= 0; i-- {
		for j := 0; ; j++ {
			res, err := stages[i].Delete(ctx, fd)
			if err != nil {
				t.Fatalf("delete: %s: %v", stages[i].Name(), err)
			}
			if res.Done {
				break
			}
			if j == 100 {
				t.Fatalf("delete: %s not done: %s", stages[i].Name(), res.Message)
			}
		}
	}
	for _, r := range sim.ListLive() {
		t.Errorf("left %s %s", r.Type, r.ID)
	}

	used := map[string]bool{}
	for _, a := range sim.UsedActions() {
		used[a] = true
	}
	var unused []string
	allowed, err := iampolicy.AllowedActions(doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range allowed {
		if prefix, _, _ := strings.Cut(a, ":"); !used[a] && slices.Contains([]string{"ec2", "ecr", "ssm"}, prefix) {
			unused = append(unused, a)
		}
	}
	t.Logf("granted for the network and ecr stages, used by neither in this life: %s", strings.Join(unused, " "))
}
