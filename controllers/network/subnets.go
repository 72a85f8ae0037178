package network

import (
	"context"
	"fmt"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// tier is public (default route to the internet gateway, public IPs on launch) or private.
type tier string

const (
	tierPublic  tier = "public"
	tierPrivate tier = "private"
)

// subnetResource is the resource tag of the subnet of a tier in a zone.
func subnetResource(t tier, az string) string { return string(t) + "-subnet-" + az }

// reconcileSubnets converges one public and one private subnet per availability zone.
func (p *pass) reconcileSubnets(ctx context.Context) error {
	spec := p.fd.Spec.Network
	for i, az := range p.azs {
		if err := p.reconcileSubnet(ctx, tierPublic, az, spec.PublicSubnetCIDRs[i]); err != nil {
			return err
		}
		if err := p.reconcileSubnet(ctx, tierPrivate, az, spec.PrivateSubnetCIDRs[i]); err != nil {
			return err
		}
	}
	return nil
}

func (p *pass) reconcileSubnet(ctx context.Context, t tier, az, cidr string) error {
	st := &p.fd.Status.Network
	list := &st.PublicSubnets
	if t == tierPrivate {
		list = &st.PrivateSubnets
	}
	resource := subnetResource(t, az)
	statusID := subnetIn(*list, az)
	sn, err := find(p.Owner(), p.inv.subnets, subnetID, subnetTags, statusID, resource)
	if err != nil {
		return err
	}
	created := false
	if sn == nil {
		if statusID != "" {
			p.Drift(ctx, "%s subnet %s in %s no longer exists; creating a new one", t, statusID, az)
			*list = setSubnet(*list, p.azs, v1alpha1.SubnetStatus{AvailabilityZone: az})
		}
		if !p.MayWrite(true, "%s subnet in %s", t, az) {
			return nil
		}
		if sn, err = p.createSubnet(ctx, t, az, cidr, list); err != nil {
			return err
		}
		created = true
	}
	id := aws.ToString(sn.SubnetId)
	if !created {
		if err := p.repairTags(ctx, kindSubnet, id, resource, sn.Tags); err != nil {
			return err
		}
	}
	*list = setSubnet(*list, p.azs, v1alpha1.SubnetStatus{ID: id, AvailabilityZone: az, CIDR: aws.ToString(sn.CidrBlock)})
	if got := aws.ToString(sn.CidrBlock); got != cidr {
		return stage.Terminalf(v1alpha1.ReasonImmutableField,
			"%s subnet %s in %s has CIDR %s, the spec asks for %s: a subnet's CIDR cannot change in place", t, id, az, got, cidr)
	}
	if got := aws.ToString(sn.AvailabilityZone); got != az {
		return stage.Terminalf(v1alpha1.ReasonImmutableField, "%s subnet %s is in %s, not %s: a subnet cannot move between zones", t, id, got, az)
	}
	if got := aws.ToString(sn.VpcId); got != st.VPCID {
		return stage.Terminalf(v1alpha1.ReasonOwnershipConflict, "%s subnet %s is in VPC %s, not in this object's VPC %s", t, id, got, st.VPCID)
	}
	wantPublicIP := t == tierPublic
	if aws.ToBool(sn.MapPublicIpOnLaunch) != wantPublicIP &&
		(created || p.MayWrite(false, "map-public-IP-on-launch of subnet %s is %t", id, !wantPublicIP)) {
		if _, err := p.ec2.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{
			SubnetId: aws.String(id), MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(wantPublicIP)},
		}); err != nil {
			return fmt.Errorf("set map-public-IP-on-launch of subnet %s: %w", id, err)
		}
		sn.MapPublicIpOnLaunch = aws.Bool(wantPublicIP)
		if !created {
			p.Drift(ctx, "map-public-IP-on-launch of subnet %s was %t; set to %t", id, !wantPublicIP, wantPublicIP)
		}
	}
	return nil
}

func (p *pass) createSubnet(ctx context.Context, t tier, az, cidr string, list *[]v1alpha1.SubnetStatus) (*ec2types.Subnet, error) {
	vpc := p.fd.Status.Network.VPCID
	out, err := p.ec2.CreateSubnet(ctx, &ec2.CreateSubnetInput{
		VpcId:             aws.String(vpc),
		CidrBlock:         aws.String(cidr),
		AvailabilityZone:  aws.String(az),
		TagSpecifications: p.tagSpec(ec2types.ResourceTypeSubnet, subnetResource(t, az)),
	}, retryThrottledOnly)
	if err != nil {
		return nil, fmt.Errorf("create %s subnet %s in %s: %w", t, cidr, az, err)
	}
	id := aws.ToString(out.Subnet.SubnetId)
	*list = setSubnet(*list, p.azs, v1alpha1.SubnetStatus{ID: id, AvailabilityZone: az, CIDR: cidr})
	k := kindSubnet
	k.Name = string(t) + " subnet"
	p.created(ctx, k, id)
	if err := stage.CheckpointCreated(ctx, "subnet "+id); err != nil {
		return nil, err
	}
	p.inv.subnets = append(p.inv.subnets, *out.Subnet)
	return out.Subnet, nil
}

// subnetIn returns the ID of the subnet in az from a status list.
func subnetIn(list []v1alpha1.SubnetStatus, az string) string {
	for _, s := range list {
		if s.AvailabilityZone == az {
			return s.ID
		}
	}
	return ""
}

// setSubnet puts s into list, keyed by zone and ordered as azs; an entry without ID is
// removed. Status only ever lists subnets that exist.
func setSubnet(list []v1alpha1.SubnetStatus, azs []string, s v1alpha1.SubnetStatus) []v1alpha1.SubnetStatus {
	return setByZone(list, azs, s, func(e v1alpha1.SubnetStatus) (string, bool) { return e.AvailabilityZone, e.ID != "" })
}

// subnetsOf returns the IDs of the subnets of a tier, in zone order.
func (p *pass) subnetsOf(t tier) []string {
	list := p.fd.Status.Network.PublicSubnets
	if t == tierPrivate {
		list = p.fd.Status.Network.PrivateSubnets
	}
	var ids []string
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	return ids
}

// deleteSubnets deletes our subnets. A subnet still holding network interfaces waits for
// them, naming each: AWS's draining ones (a deleted NAT gateway's, load balancer's or
// task's) go by themselves; anyone else's block the deletion until they are removed.
func (p *pass) deleteSubnets(ctx context.Context) (bool, error) {
	done := true
	var held blockers
	for _, sn := range deletable(ctx, p, kindSubnet, p.inv.subnets, subnetID, subnetTags) {
		id := aws.ToString(sn.SubnetId)
		if _, err := p.ec2.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(id)}); err != nil {
			switch {
			case cloud.IsNotFound(err):
			case cloud.IsDependencyViolation(err):
				enis, err := p.interfacesIn(ctx, "subnet-id", id)
				if err != nil {
					return false, err
				}
				held.add("subnet "+id, enis)
				if len(enis) == 0 {
					p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval, "subnet %s still has network interfaces", id)
				}
				done = false
				continue
			default:
				return false, fmt.Errorf("delete subnet %s: %w", id, err)
			}
		} else {
			p.Deleted(ctx, kindSubnet, id)
		}
		st := &p.fd.Status.Network
		st.PublicSubnets = slices.DeleteFunc(st.PublicSubnets, func(s v1alpha1.SubnetStatus) bool { return s.ID == id })
		st.PrivateSubnets = slices.DeleteFunc(st.PrivateSubnets, func(s v1alpha1.SubnetStatus) bool { return s.ID == id })
	}
	p.report(held, "")
	return done, nil
}
