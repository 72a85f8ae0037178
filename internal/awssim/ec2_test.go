package awssim_test

import (
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/internal/awssim"
)

func tagSpec(rt types.ResourceType, kv ...string) []types.TagSpecification {
	spec := types.TagSpecification{ResourceType: rt}
	for i := 0; i+1 < len(kv); i += 2 {
		spec.Tags = append(spec.Tags, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return []types.TagSpecification{spec}
}

func filter(name string, values ...string) types.Filter {
	return types.Filter{Name: aws.String(name), Values: values}
}

func expectCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := code(t, err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

// mustDo(call())(t) fails the test on error and returns the output.
func mustDo[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}

func (e *env) vpc(t *testing.T, cidr string, kv ...string) string {
	t.Helper()
	out := mustDo(e.ec2.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String(cidr), TagSpecifications: tagSpec(types.ResourceTypeVpc, kv...)}))(t)
	return aws.ToString(out.Vpc.VpcId)
}

func (e *env) subnet(t *testing.T, vpcID, cidr, az string, kv ...string) string {
	t.Helper()
	out := mustDo(e.ec2.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(cidr),
		AvailabilityZone: aws.String(az), TagSpecifications: tagSpec(types.ResourceTypeSubnet, kv...)}))(t)
	return aws.ToString(out.Subnet.SubnetId)
}

func (e *env) igw(t *testing.T, vpcID string) string {
	t.Helper()
	out := mustDo(e.ec2.CreateInternetGateway(ctx(), &ec2.CreateInternetGatewayInput{}))(t)
	id := aws.ToString(out.InternetGateway.InternetGatewayId)
	if vpcID != "" {
		mustDo(e.ec2.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: aws.String(vpcID)}))(t)
	}
	return id
}

func (e *env) eip(t *testing.T) string {
	t.Helper()
	out := mustDo(e.ec2.AllocateAddress(ctx(), &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc}))(t)
	return aws.ToString(out.AllocationId)
}

func (e *env) nat(t *testing.T, subnetID, allocID, token string) *types.NatGateway {
	t.Helper()
	out := mustDo(e.ec2.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: aws.String(subnetID),
		AllocationId: aws.String(allocID), ClientToken: aws.String(token)}))(t)
	return out.NatGateway
}

func (e *env) natState(t *testing.T, id string) types.NatGatewayState {
	t.Helper()
	out := mustDo(e.ec2.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{id}}))(t)
	return out.NatGateways[0].State
}

func TestAvailabilityZonesPerRegion(t *testing.T) {
	e := newEnv(t)
	for region, want := range map[string][]string{
		"us-east-1":  {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"},
		"eu-west-1":  {"eu-west-1a", "eu-west-1b", "eu-west-1c"},
		"sa-east-1":  {"sa-east-1a", "sa-east-1b", "sa-east-1c"},
		"ap-south-1": {"ap-south-1a", "ap-south-1b", "ap-south-1c"},
	} {
		cfg := e.cfg.Copy()
		cfg.Region = region
		out := mustDo(ec2.NewFromConfig(cfg).DescribeAvailabilityZones(ctx(), &ec2.DescribeAvailabilityZonesInput{}))(t)
		var got []string
		for _, z := range out.AvailabilityZones {
			got = append(got, aws.ToString(z.ZoneName))
			if aws.ToString(z.RegionName) != region || z.State != types.AvailabilityZoneStateAvailable || aws.ToString(z.ZoneId) == "" {
				t.Fatalf("zone %+v", z)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s zones = %v, want %v", region, got, want)
		}
	}
	out := mustDo(e.ec2.DescribeAvailabilityZones(ctx(), &ec2.DescribeAvailabilityZonesInput{Filters: []types.Filter{filter("zone-name", "us-east-1b")}}))(t)
	if len(out.AvailabilityZones) != 1 || aws.ToString(out.AvailabilityZones[0].ZoneId) != "use1-az2" {
		t.Fatalf("filtered zones = %+v", out.AvailabilityZones)
	}
}

func TestRegionsAreIsolated(t *testing.T) {
	e := newEnv(t)
	id := e.vpc(t, "10.0.0.0/16")
	cfg := e.cfg.Copy()
	cfg.Region = "eu-west-1"
	_, err := ec2.NewFromConfig(cfg).DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	expectCode(t, err, "InvalidVpcID.NotFound")
	live := e.sim.ListLive()
	if live[0].Region != "us-east-1" {
		t.Fatalf("inventory region = %q", live[0].Region)
	}
}

func TestVpcLifecycleAndAttributes(t *testing.T) {
	e := newEnv(t)
	id := e.vpc(t, "10.0.0.0/16", "Name", "seed", "owner", "fd-1")
	if len(id) != len("vpc-")+17 {
		t.Fatalf("vpc id %q is not vpc- plus 17 hex digits", id)
	}
	out := mustDo(e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{VpcIds: []string{id}}))(t)
	v := out.Vpcs[0]
	if aws.ToString(v.CidrBlock) != "10.0.0.0/16" || v.State != types.VpcStateAvailable || len(v.Tags) != 2 {
		t.Fatalf("vpc = %+v", v)
	}
	attr := mustDo(e.ec2.DescribeVpcAttribute(ctx(), &ec2.DescribeVpcAttributeInput{VpcId: aws.String(id), Attribute: types.VpcAttributeNameEnableDnsHostnames}))(t)
	if aws.ToBool(attr.EnableDnsHostnames.Value) {
		t.Fatalf("enableDnsHostnames defaults to false on a new VPC")
	}
	mustDo(e.ec2.ModifyVpcAttribute(ctx(), &ec2.ModifyVpcAttributeInput{VpcId: aws.String(id), EnableDnsHostnames: &types.AttributeBooleanValue{Value: aws.Bool(true)}}))(t)
	attr = mustDo(e.ec2.DescribeVpcAttribute(ctx(), &ec2.DescribeVpcAttributeInput{VpcId: aws.String(id), Attribute: types.VpcAttributeNameEnableDnsHostnames}))(t)
	if !aws.ToBool(attr.EnableDnsHostnames.Value) {
		t.Fatalf("enableDnsHostnames not set")
	}
	attr = mustDo(e.ec2.DescribeVpcAttribute(ctx(), &ec2.DescribeVpcAttributeInput{VpcId: aws.String(id), Attribute: types.VpcAttributeNameEnableDnsSupport}))(t)
	if !aws.ToBool(attr.EnableDnsSupport.Value) {
		t.Fatalf("enableDnsSupport defaults to true")
	}
	// Every VPC comes with a main route table holding the local route, and a default SG.
	rts := mustDo(e.ec2.DescribeRouteTables(ctx(), &ec2.DescribeRouteTablesInput{Filters: []types.Filter{filter("vpc-id", id), filter("association.main", "true")}}))(t)
	if len(rts.RouteTables) != 1 || aws.ToString(rts.RouteTables[0].Routes[0].GatewayId) != "local" ||
		aws.ToString(rts.RouteTables[0].Routes[0].DestinationCidrBlock) != "10.0.0.0/16" || !aws.ToBool(rts.RouteTables[0].Associations[0].Main) {
		t.Fatalf("main route table = %+v", rts.RouteTables)
	}
	sgs := mustDo(e.ec2.DescribeSecurityGroups(ctx(), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{filter("vpc-id", id), filter("group-name", "default")}}))(t)
	if len(sgs.SecurityGroups) != 1 {
		t.Fatalf("default SG = %+v", sgs.SecurityGroups)
	}
	if n := len(e.sim.ListLive()); n != 3 {
		t.Fatalf("inventory has %d resources, want vpc + main route table + default SG", n)
	}
	mustDo(e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(id)}))(t)
	_, err := e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{VpcIds: []string{id}})
	expectCode(t, err, "InvalidVpcID.NotFound")
	if live := e.sim.ListLive(); len(live) != 0 {
		t.Fatalf("deleting the VPC left %+v", live)
	}
}

func TestCIDRErrors(t *testing.T) {
	e := newEnv(t)
	for cidr, want := range map[string]string{
		"10.0.0.0/8":   "InvalidVpc.Range",
		"10.0.0.0/29":  "InvalidVpc.Range",
		"bogus":        "InvalidParameterValue",
		"10.0.0.1/16":  "InvalidParameterValue",
		"10.0.0.0/33":  "InvalidParameterValue",
		"2001:db8::/4": "InvalidParameterValue",
	} {
		_, err := e.ec2.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String(cidr)})
		expectCode(t, err, want)
	}
	vpcID := e.vpc(t, "10.0.0.0/16")
	e.subnet(t, vpcID, "10.0.1.0/24", "us-east-1a")
	for _, tc := range []struct{ cidr, az, want string }{
		{"10.1.0.0/24", "us-east-1a", "InvalidSubnet.Range"},      // outside the VPC
		{"10.0.0.0/15", "us-east-1a", "InvalidSubnet.Range"},      // larger than the VPC
		{"10.0.2.0/29", "us-east-1a", "InvalidSubnet.Range"},      // smaller than /28
		{"10.0.1.128/25", "us-east-1b", "InvalidSubnet.Conflict"}, // inside 10.0.1.0/24
		{"10.0.0.0/16", "us-east-1b", "InvalidSubnet.Conflict"},
		{"10.0.2.0/24", "us-east-1z", "InvalidParameterValue"},
		{"nope", "us-east-1a", "InvalidParameterValue"},
	} {
		_, err := e.ec2.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String(vpcID), CidrBlock: aws.String(tc.cidr), AvailabilityZone: aws.String(tc.az)})
		expectCode(t, err, tc.want)
	}
}

func TestNotFoundCodes(t *testing.T) {
	e := newEnv(t)
	for name, tc := range map[string]struct {
		call func() error
		want string
	}{
		"DescribeVpcs": {func() error {
			_, err := e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{VpcIds: []string{"vpc-00000000000000000"}})
			return err
		}, "InvalidVpcID.NotFound"},
		"DeleteVpc": {func() error {
			_, err := e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String("vpc-00000000000000000")})
			return err
		}, "InvalidVpcID.NotFound"},
		"CreateSubnet": {func() error {
			_, err := e.ec2.CreateSubnet(ctx(), &ec2.CreateSubnetInput{VpcId: aws.String("vpc-00000000000000000"), CidrBlock: aws.String("10.0.0.0/24")})
			return err
		}, "InvalidVpcID.NotFound"},
		"DeleteSubnet": {func() error {
			_, err := e.ec2.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String("subnet-00000000000000000")})
			return err
		}, "InvalidSubnetID.NotFound"},
		"DescribeSubnets": {func() error {
			_, err := e.ec2.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-00000000000000000"}})
			return err
		}, "InvalidSubnetID.NotFound"},
		"DeleteInternetGateway": {func() error {
			_, err := e.ec2.DeleteInternetGateway(ctx(), &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String("igw-00000000000000000")})
			return err
		}, "InvalidInternetGatewayID.NotFound"},
		"ReleaseAddress": {func() error {
			_, err := e.ec2.ReleaseAddress(ctx(), &ec2.ReleaseAddressInput{AllocationId: aws.String("eipalloc-00000000000000000")})
			return err
		}, "InvalidAllocationID.NotFound"},
		"DescribeAddresses": {func() error {
			_, err := e.ec2.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{AllocationIds: []string{"eipalloc-00000000000000000"}})
			return err
		}, "InvalidAllocationID.NotFound"},
		"DescribeNatGateways": {func() error {
			_, err := e.ec2.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{NatGatewayIds: []string{"nat-00000000000000000"}})
			return err
		}, "NatGatewayNotFound"},
		"DeleteNatGateway": {func() error {
			_, err := e.ec2.DeleteNatGateway(ctx(), &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String("nat-00000000000000000")})
			return err
		}, "NatGatewayNotFound"},
		"DeleteRouteTable": {func() error {
			_, err := e.ec2.DeleteRouteTable(ctx(), &ec2.DeleteRouteTableInput{RouteTableId: aws.String("rtb-00000000000000000")})
			return err
		}, "InvalidRouteTableID.NotFound"},
		"DeleteSecurityGroup": {func() error {
			_, err := e.ec2.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: aws.String("sg-00000000000000000")})
			return err
		}, "InvalidGroup.NotFound"},
		"DisassociateRouteTable": {func() error {
			_, err := e.ec2.DisassociateRouteTable(ctx(), &ec2.DisassociateRouteTableInput{AssociationId: aws.String("rtbassoc-00000000000000000")})
			return err
		}, "InvalidAssociationID.NotFound"},
		"CreateTags": {func() error {
			_, err := e.ec2.CreateTags(ctx(), &ec2.CreateTagsInput{Resources: []string{"subnet-00000000000000000"}, Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
			return err
		}, "InvalidSubnetID.NotFound"},
	} {
		t.Run(name, func(t *testing.T) { expectCode(t, tc.call(), tc.want) })
	}
}

func TestFiltersAndTags(t *testing.T) {
	e := newEnv(t)
	vpcA := e.vpc(t, "10.0.0.0/16", "owner", "a")
	vpcB := e.vpc(t, "10.1.0.0/16", "owner", "b")
	pub := e.subnet(t, vpcA, "10.0.1.0/24", "us-east-1a", "tier", "public", "Name", "pub-a")
	e.subnet(t, vpcA, "10.0.3.0/24", "us-east-1b", "tier", "private")
	e.subnet(t, vpcB, "10.1.1.0/24", "us-east-1a", "tier", "public")
	count := func(filters ...types.Filter) int {
		out := mustDo(e.ec2.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{Filters: filters, MaxResults: aws.Int32(100)}))(t)
		return len(out.Subnets)
	}
	for _, tc := range []struct {
		filters []types.Filter
		want    int
	}{
		{[]types.Filter{filter("vpc-id", vpcA)}, 2},
		{[]types.Filter{filter("vpc-id", vpcA), filter("tag:tier", "public")}, 1},
		{[]types.Filter{filter("tag:tier", "public", "private")}, 3},
		{[]types.Filter{filter("tag-key", "Name")}, 1},
		{[]types.Filter{filter("tag-value", "priv*")}, 1},
		{[]types.Filter{filter("availability-zone", "us-east-1a")}, 2},
		{[]types.Filter{filter("cidr-block", "10.?.1.0/24")}, 2},
		{[]types.Filter{filter("tag:missing", "x")}, 0},
	} {
		if got := count(tc.filters...); got != tc.want {
			t.Fatalf("filters %v matched %d subnets, want %d", tc.filters, got, tc.want)
		}
	}
	_, err := e.ec2.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{Filters: []types.Filter{filter("no-such-filter", "x")}})
	expectCode(t, err, "InvalidParameterValue")
	vpcs := mustDo(e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:owner", "b")}}))(t)
	if len(vpcs.Vpcs) != 1 || aws.ToString(vpcs.Vpcs[0].VpcId) != vpcB {
		t.Fatalf("vpcs by tag = %+v", vpcs.Vpcs)
	}

	mustDo(e.ec2.CreateTags(ctx(), &ec2.CreateTagsInput{Resources: []string{pub, vpcA}, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}}))(t)
	tags := mustDo(e.ec2.DescribeTags(ctx(), &ec2.DescribeTagsInput{Filters: []types.Filter{filter("resource-id", pub)}, MaxResults: aws.Int32(100)}))(t)
	if len(tags.Tags) != 3 || tags.Tags[0].ResourceType != types.ResourceTypeSubnet {
		t.Fatalf("subnet tags = %+v", tags.Tags)
	}
	tags = mustDo(e.ec2.DescribeTags(ctx(), &ec2.DescribeTagsInput{Filters: []types.Filter{filter("key", "env")}, MaxResults: aws.Int32(100)}))(t)
	if len(tags.Tags) != 2 {
		t.Fatalf("env tags = %+v", tags.Tags)
	}
	mustDo(e.ec2.DeleteTags(ctx(), &ec2.DeleteTagsInput{Resources: []string{pub}, Tags: []types.Tag{{Key: aws.String("env")}, {Key: aws.String("Name"), Value: aws.String("wrong")}}}))(t)
	sub := mustDo(e.ec2.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{SubnetIds: []string{pub}}))(t)
	if got := len(sub.Subnets[0].Tags); got != 2 {
		t.Fatalf("after DeleteTags subnet has %d tags, want tier and Name (value mismatch keeps Name)", got)
	}
	// Tag specifications for the wrong resource type are rejected.
	_, err = e.ec2.CreateVpc(ctx(), &ec2.CreateVpcInput{CidrBlock: aws.String("10.2.0.0/16"), TagSpecifications: tagSpec(types.ResourceTypeSubnet, "k", "v")})
	expectCode(t, err, "InvalidParameterValue")
	// The inventory carries tags for leak checks.
	for _, r := range e.sim.ListLive() {
		if r.ID == vpcA && r.Tags["owner"] != "a" {
			t.Fatalf("inventory tags = %v", r.Tags)
		}
	}
}

func TestPaginationHidesResourcesFromCallersThatDoNotPage(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for i := range 7 {
		ids = append(ids, e.vpc(t, "10."+string(rune('0'+i))+".0.0/16", "batch", "p"))
	}
	first := mustDo(e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{}))(t)
	if len(first.Vpcs) != 3 || first.NextToken == nil {
		t.Fatalf("first page has %d VPCs, token %v: want a small page and a NextToken", len(first.Vpcs), first.NextToken)
	}
	var all []string
	p := ec2.NewDescribeVpcsPaginator(e.ec2, &ec2.DescribeVpcsInput{Filters: []types.Filter{filter("tag:batch", "p")}})
	for p.HasMorePages() {
		page := mustDo(p.NextPage(ctx()))(t)
		for _, v := range page.Vpcs {
			all = append(all, aws.ToString(v.VpcId))
		}
	}
	slices.Sort(all)
	slices.Sort(ids)
	if !slices.Equal(all, ids) {
		t.Fatalf("paginator saw %v, want %v", all, ids)
	}
	big := mustDo(e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{MaxResults: aws.Int32(5)}))(t)
	if len(big.Vpcs) != 5 {
		t.Fatalf("MaxResults 5 returned %d", len(big.Vpcs))
	}
	_, err := e.ec2.DescribeVpcs(ctx(), &ec2.DescribeVpcsInput{NextToken: aws.String("garbage")})
	expectCode(t, err, "InvalidPaginationToken")
}

func TestDeleteVpcBlockedByEachDependency(t *testing.T) {
	for name, tc := range map[string]struct {
		add    func(t *testing.T, e *env, vpcID string) (cleanup func())
		blocks bool
	}{
		"subnet": {func(t *testing.T, e *env, vpcID string) func() {
			id := e.subnet(t, vpcID, "10.0.1.0/24", "us-east-1a")
			return func() { mustDo(e.ec2.DeleteSubnet(ctx(), &ec2.DeleteSubnetInput{SubnetId: aws.String(id)}))(t) }
		}, true},
		"attached internet gateway": {func(t *testing.T, e *env, vpcID string) func() {
			id := e.igw(t, vpcID)
			return func() {
				mustDo(e.ec2.DetachInternetGateway(ctx(), &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(id), VpcId: aws.String(vpcID)}))(t)
			}
		}, true},
		"security group": {func(t *testing.T, e *env, vpcID string) func() {
			id := mustDo(e.ec2.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("x"), Description: aws.String("x"), VpcId: aws.String(vpcID)}))(t).GroupId
			return func() { mustDo(e.ec2.DeleteSecurityGroup(ctx(), &ec2.DeleteSecurityGroupInput{GroupId: id}))(t) }
		}, true},
		"route table": {func(t *testing.T, e *env, vpcID string) func() {
			id := mustDo(e.ec2.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID)}))(t).RouteTable.RouteTableId
			return func() { mustDo(e.ec2.DeleteRouteTable(ctx(), &ec2.DeleteRouteTableInput{RouteTableId: id}))(t) }
		}, true},
		"detached internet gateway": {func(t *testing.T, e *env, vpcID string) func() {
			e.igw(t, "")
			return func() {}
		}, false},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			vpcID := e.vpc(t, "10.0.0.0/16")
			cleanup := tc.add(t, e, vpcID)
			_, err := e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)})
			if !tc.blocks {
				if err != nil {
					t.Fatalf("DeleteVpc: %v", err)
				}
				return
			}
			expectCode(t, err, "DependencyViolation")
			cleanup()
			mustDo(e.ec2.DeleteVpc(ctx(), &ec2.DeleteVpcInput{VpcId: aws.String(vpcID)}))(t)
		})
	}
}

func TestDescribeMaxResultsLimits(t *testing.T) {
	e := newEnv(t, awssim.WithTimeScale(0))
	vpcID := e.vpc(t, "10.0.0.0/16")
	igwID := e.igw(t, vpcID)
	sub := e.subnet(t, vpcID, "10.0.1.0/24", "us-east-1a")
	nat := aws.ToString(e.nat(t, sub, e.eip(t), "").NatGatewayId)
	eni := aws.ToString(mustDo(e.ec2.DescribeNetworkInterfaces(ctx(), &ec2.DescribeNetworkInterfacesInput{}))(t).NetworkInterfaces[0].NetworkInterfaceId)
	rt := aws.ToString(mustDo(e.ec2.CreateRouteTable(ctx(), &ec2.CreateRouteTableInput{VpcId: aws.String(vpcID)}))(t).RouteTable.RouteTableId)
	sg := aws.ToString(mustDo(e.ec2.CreateSecurityGroup(ctx(), &ec2.CreateSecurityGroupInput{GroupName: aws.String("app"), Description: aws.String("app"), VpcId: aws.String(vpcID)}))(t).GroupId)

	for _, tc := range []struct {
		op    string
		max   int32
		byIDs bool                          // the operation takes explicit IDs, which AWS refuses together with MaxResults
		call  func(n int32, ids bool) error // MaxResults n, plus explicit IDs when ids is set
	}{
		{"DescribeVpcs", 1000, true, func(n int32, ids bool) error {
			in := &ec2.DescribeVpcsInput{MaxResults: aws.Int32(n)}
			if ids {
				in.VpcIds = []string{vpcID}
			}
			_, err := e.ec2.DescribeVpcs(ctx(), in)
			return err
		}},
		{"DescribeSubnets", 1000, true, func(n int32, ids bool) error {
			in := &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(n)}
			if ids {
				in.SubnetIds = []string{sub}
			}
			_, err := e.ec2.DescribeSubnets(ctx(), in)
			return err
		}},
		{"DescribeInternetGateways", 1000, true, func(n int32, ids bool) error {
			in := &ec2.DescribeInternetGatewaysInput{MaxResults: aws.Int32(n)}
			if ids {
				in.InternetGatewayIds = []string{igwID}
			}
			_, err := e.ec2.DescribeInternetGateways(ctx(), in)
			return err
		}},
		{"DescribeNatGateways", 1000, true, func(n int32, ids bool) error {
			in := &ec2.DescribeNatGatewaysInput{MaxResults: aws.Int32(n)}
			if ids {
				in.NatGatewayIds = []string{nat}
			}
			_, err := e.ec2.DescribeNatGateways(ctx(), in)
			return err
		}},
		{"DescribeRouteTables", 100, true, func(n int32, ids bool) error {
			in := &ec2.DescribeRouteTablesInput{MaxResults: aws.Int32(n)}
			if ids {
				in.RouteTableIds = []string{rt}
			}
			_, err := e.ec2.DescribeRouteTables(ctx(), in)
			return err
		}},
		{"DescribeSecurityGroups by ID", 1000, true, func(n int32, ids bool) error {
			in := &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(n)}
			if ids {
				in.GroupIds = []string{sg}
			}
			_, err := e.ec2.DescribeSecurityGroups(ctx(), in)
			return err
		}},
		{"DescribeSecurityGroups by name", 1000, true, func(n int32, ids bool) error {
			in := &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(n)}
			if ids {
				in.GroupNames = []string{"app"}
			}
			_, err := e.ec2.DescribeSecurityGroups(ctx(), in)
			return err
		}},
		{"DescribeNetworkInterfaces", 1000, true, func(n int32, ids bool) error {
			in := &ec2.DescribeNetworkInterfacesInput{MaxResults: aws.Int32(n)}
			if ids {
				in.NetworkInterfaceIds = []string{eni}
			}
			_, err := e.ec2.DescribeNetworkInterfaces(ctx(), in)
			return err
		}},
		{"DescribeTags", 1000, false, func(n int32, _ bool) error {
			_, err := e.ec2.DescribeTags(ctx(), &ec2.DescribeTagsInput{MaxResults: aws.Int32(n)})
			return err
		}},
	} {
		t.Run(tc.op, func(t *testing.T) {
			for _, n := range []int32{5, tc.max} {
				if err := tc.call(n, false); err != nil {
					t.Fatalf("MaxResults %d: %v", n, err)
				}
			}
			for _, n := range []int32{0, 4, tc.max + 1} {
				expectCode(t, tc.call(n, false), "InvalidParameterValue")
			}
			if tc.byIDs {
				expectCode(t, tc.call(5, true), "InvalidParameterCombination")
			}
		})
	}
}

func TestModifySubnetMapPublicIpOnLaunch(t *testing.T) {
	e := newEnv(t)
	sub := e.subnet(t, e.vpc(t, "10.0.0.0/16"), "10.0.1.0/24", "us-east-1a")
	mapped := func() bool {
		out := mustDo(e.ec2.DescribeSubnets(ctx(), &ec2.DescribeSubnetsInput{SubnetIds: []string{sub}}))(t)
		return aws.ToBool(out.Subnets[0].MapPublicIpOnLaunch)
	}
	if mapped() {
		t.Fatalf("a new subnet maps public IPs on launch")
	}
	for _, want := range []bool{true, false} {
		mustDo(e.ec2.ModifySubnetAttribute(ctx(), &ec2.ModifySubnetAttributeInput{SubnetId: aws.String(sub),
			MapPublicIpOnLaunch: &types.AttributeBooleanValue{Value: aws.Bool(want)}}))(t)
		if got := mapped(); got != want {
			t.Fatalf("after setting MapPublicIpOnLaunch=%v, DescribeSubnets reads %v", want, got)
		}
	}
}

func TestTagSpecificationsOnGatewaysAndAddresses(t *testing.T) {
	e := newEnv(t, awssim.WithTimeScale(0))
	vpcID := e.vpc(t, "10.0.0.0/16")
	sub := e.subnet(t, vpcID, "10.0.1.0/24", "us-east-1a")
	igw := mustDo(e.ec2.CreateInternetGateway(ctx(), &ec2.CreateInternetGatewayInput{
		TagSpecifications: tagSpec(types.ResourceTypeInternetGateway, "owner", "igw")}))(t).InternetGateway
	mustDo(e.ec2.AttachInternetGateway(ctx(), &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGatewayId, VpcId: aws.String(vpcID)}))(t)
	eip := mustDo(e.ec2.AllocateAddress(ctx(), &ec2.AllocateAddressInput{Domain: types.DomainTypeVpc,
		TagSpecifications: tagSpec(types.ResourceTypeElasticIp, "owner", "eip")}))(t)
	nat := mustDo(e.ec2.CreateNatGateway(ctx(), &ec2.CreateNatGatewayInput{SubnetId: aws.String(sub), AllocationId: eip.AllocationId,
		TagSpecifications: tagSpec(types.ResourceTypeNatgateway, "owner", "nat")}))(t).NatGateway
	// Untagged neighbours, so that a filter which matches everything fails the test.
	e.igw(t, "")
	e.eip(t)

	for _, tc := range []struct {
		owner, id string
		find      func(filters []types.Filter) (ids []string, tags [][]types.Tag)
	}{
		{"igw", aws.ToString(igw.InternetGatewayId), func(f []types.Filter) (ids []string, tags [][]types.Tag) {
			for _, g := range mustDo(e.ec2.DescribeInternetGateways(ctx(), &ec2.DescribeInternetGatewaysInput{Filters: f}))(t).InternetGateways {
				ids, tags = append(ids, aws.ToString(g.InternetGatewayId)), append(tags, g.Tags)
			}
			return ids, tags
		}},
		{"eip", aws.ToString(eip.AllocationId), func(f []types.Filter) (ids []string, tags [][]types.Tag) {
			for _, a := range mustDo(e.ec2.DescribeAddresses(ctx(), &ec2.DescribeAddressesInput{Filters: f}))(t).Addresses {
				ids, tags = append(ids, aws.ToString(a.AllocationId)), append(tags, a.Tags)
			}
			return ids, tags
		}},
		{"nat", aws.ToString(nat.NatGatewayId), func(f []types.Filter) (ids []string, tags [][]types.Tag) {
			for _, n := range mustDo(e.ec2.DescribeNatGateways(ctx(), &ec2.DescribeNatGatewaysInput{Filter: f}))(t).NatGateways {
				ids, tags = append(ids, aws.ToString(n.NatGatewayId)), append(tags, n.Tags)
			}
			return ids, tags
		}},
	} {
		t.Run(tc.owner, func(t *testing.T) {
			ids, tags := tc.find([]types.Filter{filter("tag:owner", tc.owner)})
			if !slices.Equal(ids, []string{tc.id}) {
				t.Fatalf("tag:owner=%s found %v, want [%s]", tc.owner, ids, tc.id)
			}
			if len(tags[0]) != 1 || aws.ToString(tags[0][0].Key) != "owner" || aws.ToString(tags[0][0].Value) != tc.owner {
				t.Fatalf("tags = %+v", tags[0])
			}
			if ids, _ := tc.find([]types.Filter{filter("tag-key", "owner")}); len(ids) != 1 {
				t.Fatalf("tag-key=owner found %v, want only %s", ids, tc.id)
			}
		})
	}
}
