package network

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

func TestFind(t *testing.T) {
	fd := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "app", UID: "uid-1"}}
	former := &v1alpha1.FlaskDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "app", UID: "uid-0"}}
	owner := cloud.NewOwner("c", fd)
	subnet := func(id string, fd *v1alpha1.FlaskDeployment, resource string) ec2types.Subnet {
		s := ec2types.Subnet{SubnetId: aws.String(id)}
		if fd != nil {
			s.Tags = cloud.ToEC2(cloud.NewOwner("c", fd).EC2Tags(Name, resource))
		}
		return s
	}
	// What load puts in the inventory: what the ownership filter found, and status IDs.
	items := []ec2types.Subnet{
		subnet("subnet-untagged", nil, ""),
		subnet("subnet-a", fd, "public-subnet-a"),
		subnet("subnet-former", former, "public-subnet-b"),
		subnet("subnet-dup1", fd, "private-subnet-a"),
		subnet("subnet-dup2", fd, "private-subnet-a"),
	}
	for _, tc := range []struct {
		name, statusID, resource, want, wantErr string
	}{
		{name: "by status ID, even untagged (the ownership check follows)", statusID: "subnet-untagged", resource: "public-subnet-a", want: "subnet-untagged"},
		{name: "status ID gone, found by tag", statusID: "subnet-gone", resource: "public-subnet-a", want: "subnet-a"},
		{name: "by tag", resource: "public-subnet-a", want: "subnet-a"},
		{name: "a former object's of the same name goes to the ownership check", resource: "public-subnet-b", want: "subnet-former"},
		{name: "none", resource: "private-subnet-b"},
		{name: "two tagged matches", resource: "private-subnet-a", wantErr: "subnet-dup1, subnet-dup2"},
	} {
		got, err := find(owner, items, subnetID, subnetTags, tc.statusID, tc.resource)
		switch {
		case tc.wantErr != "":
			if term, ok := stage.AsTerminal(err); !ok || term.Reason != v1alpha1.ReasonOwnershipConflict || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: %v", tc.name, err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "" && got != nil, tc.want != "" && (got == nil || aws.ToString(got.SubnetId) != tc.want):
			t.Errorf("%s: got %v, want %q", tc.name, got, tc.want)
		}
	}
}
