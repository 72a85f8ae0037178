package cloud_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	tagging "github.com/aws/aws-sdk-go-v2/service/resourcegroupstaggingapi"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/awssim"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// Release untags the uid of every resource carrying one of the object's UIDs, over
// several pages and UntagResources batches, and leaves alone what carries another
// object's UID, another owner or another cluster.
func TestReleaseUntagsOnlyTheObjectsResources(t *testing.T) {
	sim, err := awssim.New(awssim.WithTimeScale(0), awssim.WithPageSize(7))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim)
	defer srv.Close()
	cfg := aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "secret", "")}
	ctx := context.Background()
	ec2c := ec2.NewFromConfig(cfg)
	vpc := func(cluster, owner, uid string) string {
		t.Helper()
		out, err := ec2c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{
				{Key: aws.String(cloud.TagCluster), Value: aws.String(cluster)},
				{Key: aws.String(cloud.TagOwner), Value: aws.String(owner)},
				{Key: aws.String(cloud.TagUID), Value: aws.String(uid)}}}}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.Vpc.VpcId)
	}
	ours := map[string]bool{}
	for i := range 25 {
		uid := "old"
		if i%2 == 0 {
			uid = "now"
		}
		ours[vpc("prod", "shop/web", uid)] = true
	}
	others := map[string]string{ // VPC ID -> uid it must keep
		vpc("prod", "shop/web", "another"): "another",
		vpc("prod", "shop/api", "old"):     "old",
		vpc("test", "shop/web", "old"):     "old",
	}

	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web", UID: "now"},
		Status: v1alpha1.FlaskDeploymentStatus{OwnerUIDs: []string{"old", "now"}}}
	n, err := cloud.NewOwner("prod", fd).Release(ctx, tagging.NewFromConfig(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if n != len(ours) {
		t.Errorf("released %d resources, want %d", n, len(ours))
	}
	if got := sim.CallCount("tagging", "UntagResources"); got != 2 {
		t.Errorf("UntagResources called %d times, want 2 (batches of 20)", got)
	}
	out, err := ec2c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range out.Vpcs {
		id, uid := aws.ToString(v.VpcId), ""
		for _, tag := range v.Tags {
			if aws.ToString(tag.Key) == cloud.TagUID {
				uid = aws.ToString(tag.Value)
			}
		}
		switch {
		case ours[id] && uid != "":
			t.Errorf("%s still carries uid %q", id, uid)
		case !ours[id] && uid != others[id]:
			t.Errorf("%s carries uid %q, want %q kept", id, uid, others[id])
		}
	}
}
