package network

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

const resourceVPC = "vpc"

// reconcileAvailabilityZones fixes the zones in status at the first pass: the spec's, or
// the region's first zones (as many as there are public subnet CIDRs, two by default).
// Zones never move afterwards: a spec that asks for others is Stalled.
func (p *pass) reconcileAvailabilityZones(ctx context.Context) error {
	spec := p.fd.Spec.Network
	if len(spec.PublicSubnetCIDRs) != len(spec.PrivateSubnetCIDRs) || len(spec.PublicSubnetCIDRs) == 0 {
		return stage.Terminalf(v1alpha1.ReasonInvalidSpec,
			"network needs one public and one private subnet CIDR per availability zone, got %d public and %d private",
			len(spec.PublicSubnetCIDRs), len(spec.PrivateSubnetCIDRs))
	}
	if len(spec.AvailabilityZones) > 0 && len(spec.AvailabilityZones) != len(spec.PublicSubnetCIDRs) {
		return stage.Terminalf(v1alpha1.ReasonInvalidSpec,
			"network lists %d availability zones but %d subnet CIDRs per tier", len(spec.AvailabilityZones), len(spec.PublicSubnetCIDRs))
	}
	if len(p.azs) > 0 {
		if len(spec.AvailabilityZones) > 0 && !slices.Equal(spec.AvailabilityZones, p.azs) {
			return stage.Terminalf(v1alpha1.ReasonImmutableField,
				"availabilityZones cannot change from %v to %v: subnets cannot move between zones; create a new FlaskDeployment instead",
				p.azs, spec.AvailabilityZones)
		}
		if len(p.azs) != len(spec.PublicSubnetCIDRs) {
			return stage.Terminalf(v1alpha1.ReasonImmutableField,
				"the network uses %d availability zones (%v) but the spec has %d subnet CIDRs per tier: the number of zones cannot change",
				len(p.azs), p.azs, len(spec.PublicSubnetCIDRs))
		}
		return nil
	}
	if len(spec.AvailabilityZones) > 0 {
		p.azs = slices.Clone(spec.AvailabilityZones)
	} else {
		out, err := p.ec2.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{
			Filters: []ec2types.Filter{
				{Name: aws.String("state"), Values: []string{"available"}},
				{Name: aws.String("zone-type"), Values: []string{"availability-zone"}},
			},
		})
		if err != nil {
			return fmt.Errorf("describe availability zones: %w", err)
		}
		azs, err := firstZones(out.AvailabilityZones, len(spec.PublicSubnetCIDRs))
		if err != nil {
			return err
		}
		p.azs = azs
	}
	p.fd.Status.Network.AvailabilityZones = p.azs
	return nil
}

// firstZones returns the first n zone names in name order.
func firstZones(zones []ec2types.AvailabilityZone, n int) ([]string, error) {
	var names []string
	for _, z := range zones {
		names = append(names, aws.ToString(z.ZoneName))
	}
	sort.Strings(names)
	if len(names) < n {
		return nil, stage.Terminalf(v1alpha1.ReasonInvalidSpec,
			"the region has %d available zones (%v), the network needs %d", len(names), names, n)
	}
	return names[:n], nil
}

// reconcileVPC finds or creates the VPC, then converges its DNS attributes and tags.
func (p *pass) reconcileVPC(ctx context.Context) error {
	st := &p.fd.Status.Network
	vpc, err := find(p.Owner(), p.inv.vpcs, vpcID, vpcTags, st.VPCID, resourceVPC)
	if err != nil {
		return err
	}
	created := false
	if vpc == nil {
		if st.VPCID != "" {
			p.Drift(ctx, "VPC %s no longer exists; creating a new one", st.VPCID)
			p.fd.Status.Network = v1alpha1.NetworkStatus{AvailabilityZones: p.azs, CreateAttempt: st.CreateAttempt + 1}
			st = &p.fd.Status.Network
		}
		if !p.MayWrite(true, "VPC") {
			p.Stop()
			return nil
		}
		if vpc, err = p.createVPC(ctx); err != nil {
			return err
		}
		created = true
	}
	id := aws.ToString(vpc.VpcId)
	if !created {
		if err := p.repairTags(ctx, kindVPC, id, resourceVPC, vpc.Tags); err != nil {
			return err
		}
	}
	st.VPCID = id
	if cidr := aws.ToString(vpc.CidrBlock); cidr != p.fd.Spec.Network.VPCCIDR {
		return stage.Terminalf(v1alpha1.ReasonImmutableField,
			"vpcCIDR cannot change from %s to %s: AWS cannot change the primary CIDR block of VPC %s; create a new FlaskDeployment instead",
			cidr, p.fd.Spec.Network.VPCCIDR, id)
	}
	return nil
}

func (p *pass) createVPC(ctx context.Context) (*ec2types.Vpc, error) {
	out, err := p.ec2.CreateVpc(ctx, &ec2.CreateVpcInput{
		CidrBlock:         aws.String(p.fd.Spec.Network.VPCCIDR),
		TagSpecifications: p.tagSpec(ec2types.ResourceTypeVpc, resourceVPC),
	}, retryThrottledOnly)
	if err != nil {
		return nil, fmt.Errorf("create VPC %s: %w", p.fd.Spec.Network.VPCCIDR, err)
	}
	id := aws.ToString(out.Vpc.VpcId)
	p.fd.Status.Network.VPCID = id
	p.created(ctx, kindVPC, id)
	if err := stage.CheckpointCreated(ctx, "VPC "+id); err != nil {
		return nil, err
	}
	p.inv.vpcs = append(p.inv.vpcs, *out.Vpc)
	return out.Vpc, nil
}

// reconcileVPCAttributes turns DNS support and DNS hostnames on (the seed's VPC has both).
// A new VPC has support on and hostnames off, so it needs no Describe.
func (p *pass) reconcileVPCAttributes(ctx context.Context) error {
	id := p.fd.Status.Network.VPCID
	created := p.fresh[id]
	support, hostnames := true, false
	if !created {
		var err error
		if support, err = p.vpcAttribute(ctx, id, ec2types.VpcAttributeNameEnableDnsSupport); err != nil {
			return err
		}
		if hostnames, err = p.vpcAttribute(ctx, id, ec2types.VpcAttributeNameEnableDnsHostnames); err != nil {
			return err
		}
	}
	if !support && p.MayWrite(false, "DNS support is off on VPC %s", id) {
		if _, err := p.ec2.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{
			VpcId: aws.String(id), EnableDnsSupport: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)},
		}); err != nil {
			return fmt.Errorf("enable DNS support on VPC %s: %w", id, err)
		}
		p.Drift(ctx, "DNS support was off on VPC %s; turned on", id)
	}
	if !hostnames && (created || p.MayWrite(false, "DNS hostnames are off on VPC %s", id)) {
		if _, err := p.ec2.ModifyVpcAttribute(ctx, &ec2.ModifyVpcAttributeInput{
			VpcId: aws.String(id), EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)},
		}); err != nil {
			return fmt.Errorf("enable DNS hostnames on VPC %s: %w", id, err)
		}
		if !created {
			p.Drift(ctx, "DNS hostnames were off on VPC %s; turned on", id)
		}
	}
	return nil
}

func (p *pass) vpcAttribute(ctx context.Context, id string, attr ec2types.VpcAttributeName) (bool, error) {
	out, err := p.ec2.DescribeVpcAttribute(ctx, &ec2.DescribeVpcAttributeInput{VpcId: aws.String(id), Attribute: attr})
	if err != nil {
		return false, fmt.Errorf("describe %s of VPC %s: %w", attr, id, err)
	}
	var v *ec2types.AttributeBooleanValue
	switch attr {
	case ec2types.VpcAttributeNameEnableDnsSupport:
		v = out.EnableDnsSupport
	case ec2types.VpcAttributeNameEnableDnsHostnames:
		v = out.EnableDnsHostnames
	}
	return v != nil && aws.ToBool(v.Value), nil
}

// tagSpec is the TagSpecifications of a create: spec tags, ownership tags and Name.
func (p *pass) tagSpec(rt ec2types.ResourceType, resource string) []ec2types.TagSpecification {
	return cloud.EC2TagSpec(rt, p.EC2Tags(resource))
}

// deleteVPC deletes our VPC, the last step. Someone else's peering connection of the VPC
// holds it first: DeleteVpc would delete an active one along with the VPC. DependencyViolation
// (something else still in it) is a wait naming the interfaces and security groups found in it.
func (p *pass) deleteVPC(ctx context.Context) (bool, error) {
	for _, v := range deletable(ctx, p, kindVPC, p.inv.vpcs, vpcID, vpcTags) {
		id := aws.ToString(v.VpcId)
		peerings, err := p.peeringsOf(ctx, id)
		if err != nil {
			return false, err
		}
		if len(peerings) > 0 {
			var held blockers
			held.add("VPC "+id, peerings)
			p.report(held, "")
			return false, nil
		}
		if _, err := p.ec2.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(id)}); err != nil {
			switch {
			case cloud.IsNotFound(err):
				continue
			case cloud.IsDependencyViolation(err):
				return false, p.vpcBlockers(ctx, id)
			default:
				return false, fmt.Errorf("delete VPC %s: %w", id, err)
			}
		}
		p.Deleted(ctx, kindVPC, id)
	}
	p.fd.Status.Network.VPCID = ""
	return true, nil
}

// vpcBlockers reports what keeps VPC id from being deleted.
func (p *pass) vpcBlockers(ctx context.Context, id string) error {
	enis, err := p.interfacesIn(ctx, "vpc-id", id)
	if err != nil {
		return err
	}
	groups, err := p.groupsIn(ctx, id)
	if err != nil {
		return err
	}
	var held blockers
	held.add("VPC "+id, append(enis, groups...))
	p.report(held, fmt.Sprintf("VPC %s still has dependencies (subnets, gateways or route tables not created by this stage)", id))
	return nil
}
