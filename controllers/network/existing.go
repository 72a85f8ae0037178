package network

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
)

// reconcileExisting checks a network brought by the user (spec.network.existing): the VPC
// and subnets exist, the subnets are in the VPC, and every private subnet has a route to
// the internet. It writes what it found to status and never creates, changes or deletes
// anything. Whatever is wrong is Stalled with a message naming it.
func (s *Stage) reconcileExisting(ctx context.Context, fd *v1alpha1.FlaskDeployment) (stage.Result, error) {
	ex := fd.Spec.Network.Existing
	c := s.ec2(stage.Region(fd))
	invalid := func(format string, args ...any) (stage.Result, error) {
		return stage.Result{}, stage.Terminalf(v1alpha1.ReasonExistingNetworkInvalid, "existing network: "+format, args...)
	}
	if ex.VPCID == "" || len(ex.PublicSubnetIDs) == 0 || len(ex.PrivateSubnetIDs) == 0 {
		return invalid("vpcID, publicSubnetIDs and privateSubnetIDs are all required")
	}

	vpcs, err := c.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{ex.VPCID}}},
	})
	if err != nil {
		return stage.Result{}, fmt.Errorf("describe VPC %s: %w", ex.VPCID, err)
	}
	if len(vpcs.Vpcs) == 0 {
		return invalid("VPC %s does not exist in %s", ex.VPCID, stage.Region(fd))
	}

	ids := nonEmpty(slices.Concat(ex.PublicSubnetIDs, ex.PrivateSubnetIDs)...)
	subnets := map[string]ec2types.Subnet{}
	pg := ec2.NewDescribeSubnetsPaginator(c, &ec2.DescribeSubnetsInput{
		Filters: []ec2types.Filter{{Name: aws.String("subnet-id"), Values: ids}},
	})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return stage.Result{}, fmt.Errorf("describe subnets %s: %w", strings.Join(ids, ", "), err)
		}
		for _, sn := range page.Subnets {
			subnets[aws.ToString(sn.SubnetId)] = sn
		}
	}
	var missing, elsewhere []string
	for _, id := range ids {
		sn, ok := subnets[id]
		switch {
		case !ok:
			missing = append(missing, id)
		case aws.ToString(sn.VpcId) != ex.VPCID:
			elsewhere = append(elsewhere, fmt.Sprintf("%s (in %s)", id, aws.ToString(sn.VpcId)))
		}
	}
	if len(missing) > 0 {
		return invalid("subnets %s do not exist", strings.Join(missing, ", "))
	}
	if len(elsewhere) > 0 {
		return invalid("subnets %s are not in VPC %s", strings.Join(elsewhere, ", "), ex.VPCID)
	}

	var tables []ec2types.RouteTable
	rpg := ec2.NewDescribeRouteTablesPaginator(c, &ec2.DescribeRouteTablesInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{ex.VPCID}}},
	})
	for rpg.HasMorePages() {
		page, err := rpg.NextPage(ctx)
		if err != nil {
			return stage.Result{}, fmt.Errorf("describe route tables of VPC %s: %w", ex.VPCID, err)
		}
		tables = append(tables, page.RouteTables...)
	}
	var offline []string
	for _, id := range ex.PrivateSubnetIDs {
		rt := effectiveRouteTable(tables, id)
		switch {
		case rt == nil:
			offline = append(offline, id+" (no route table)")
		case !hasInternetRoute(*rt):
			offline = append(offline, fmt.Sprintf("%s (route table %s has no active 0.0.0.0/0 route)", id, aws.ToString(rt.RouteTableId)))
		}
	}
	if len(offline) > 0 {
		return invalid("private subnets need a route to the internet (a NAT gateway) to pull images: %s", strings.Join(offline, ", "))
	}

	toStatus := func(ids []string) []v1alpha1.SubnetStatus {
		out := make([]v1alpha1.SubnetStatus, 0, len(ids))
		for _, id := range ids {
			sn := subnets[id]
			out = append(out, v1alpha1.SubnetStatus{ID: id, AvailabilityZone: aws.ToString(sn.AvailabilityZone), CIDR: aws.ToString(sn.CidrBlock)})
		}
		return out
	}
	fd.Status.Network = v1alpha1.NetworkStatus{
		VPCID:          ex.VPCID,
		PublicSubnets:  toStatus(ex.PublicSubnetIDs),
		PrivateSubnets: toStatus(ex.PrivateSubnetIDs),
	}
	return stage.Ready(fmt.Sprintf("using existing VPC %s with %d public and %d private subnets",
		ex.VPCID, len(ex.PublicSubnetIDs), len(ex.PrivateSubnetIDs))), nil
}

// effectiveRouteTable is the table a subnet uses: the one explicitly associated with it,
// else the VPC's main table.
func effectiveRouteTable(tables []ec2types.RouteTable, subnet string) *ec2types.RouteTable {
	var main *ec2types.RouteTable
	for i := range tables {
		for _, a := range tables[i].Associations {
			if aws.ToString(a.SubnetId) == subnet && associated(a) {
				return &tables[i]
			}
			if aws.ToBool(a.Main) {
				main = &tables[i]
			}
		}
	}
	return main
}

// hasInternetRoute reports whether a table has an active default route to a gateway (NAT,
// internet, transit) or an appliance.
func hasInternetRoute(rt ec2types.RouteTable) bool {
	r := findDefaultRoute(&rt)
	return r != nil && r.State != ec2types.RouteStateBlackhole && routeTargetOf(*r) != ""
}
