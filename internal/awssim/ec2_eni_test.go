package awssim_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// A user's network interface holds its subnet until the user deletes it.
func TestUserNetworkInterface(t *testing.T) {
	e := newEnv(t)
	vpcID := e.vpc(t, "10.0.0.0/16")
	subnetID := e.subnet(t, vpcID, "10.0.1.0/24", "us-east-1a")
	out := mustDo(e.ec2.CreateNetworkInterface(ctx(), &ec2.CreateNetworkInterfaceInput{
		SubnetId: aws.String(subnetID), Description: aws.String("debug box"),
		TagSpecifications: tagSpec(types.ResourceTypeNetworkInterface, "team", "data"),
	}))(t)
	id := aws.ToString(out.NetworkInterface.NetworkInterfaceId)

	got := mustDo(e.ec2.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{
		Filters: []types.Filter{filter("subnet-id", subnetID), filter("requester-managed", "false")},
	}))(t).NetworkInterfaces
	if len(got) != 1 || aws.ToString(got[0].NetworkInterfaceId) != id || aws.ToBool(got[0].RequesterManaged) ||
		got[0].RequesterId != nil || aws.ToString(got[0].Description) != "debug box" || len(got[0].Groups) != 1 || len(got[0].TagSet) != 1 {
		t.Fatalf("described %+v", got)
	}
	_, err := e.ec2.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(subnetID)})
	expectCode(t, err, "DependencyViolation")

	mustDo(e.ec2.DeleteNetworkInterface(ctx(), &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(id)}))(t)
	_, err = e.ec2.DeleteNetworkInterface(ctx(), &ec2.DeleteNetworkInterfaceInput{NetworkInterfaceId: aws.String(id)})
	expectCode(t, err, "InvalidNetworkInterfaceID.NotFound")
	mustDo(e.ec2.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(subnetID)}))(t)
}
