package network

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// eipResource is the resource tag of the Elastic IP of the NAT gateway in a zone.
func eipResource(az string) string { return "eip-" + az }

// reconcileEIPs finds or allocates one Elastic IP per NAT gateway the spec asks for.
func (p *pass) reconcileEIPs(ctx context.Context) error {
	st := &p.fd.Status.Network
	for _, az := range natAZs(p.fd, p.azs) {
		entry := natIn(st.NATGateways, az)
		addr, err := find(p.Owner(), p.inv.addresses, allocationID, addressTags, entry.AllocationID, eipResource(az))
		if err != nil {
			return err
		}
		if addr == nil {
			if entry.AllocationID != "" {
				p.Drift(ctx, "Elastic IP %s for the NAT gateway in %s no longer exists; allocating a new one", entry.AllocationID, az)
				entry.AllocationID = ""
				st.NATGateways = setNAT(st.NATGateways, p.azs, entry)
			}
			if !p.MayWrite(true, "Elastic IP for the NAT gateway in %s", az) {
				continue
			}
			if _, err := p.allocateEIP(ctx, az); err != nil {
				return err
			}
			continue
		}
		id := aws.ToString(addr.AllocationId)
		if err := p.repairTags(ctx, kindElasticIP, id, eipResource(az), addr.Tags); err != nil {
			return err
		}
		entry.AllocationID = id
		st.NATGateways = setNAT(st.NATGateways, p.azs, entry)
	}
	return nil
}

func (p *pass) allocateEIP(ctx context.Context, az string) (string, error) {
	out, err := p.ec2.AllocateAddress(ctx, &ec2.AllocateAddressInput{
		Domain:            ec2types.DomainTypeVpc,
		TagSpecifications: p.tagSpec(ec2types.ResourceTypeElasticIp, eipResource(az)),
	}, retryThrottledOnly)
	if err != nil {
		return "", fmt.Errorf("allocate Elastic IP for the NAT gateway in %s: %w", az, err)
	}
	id := aws.ToString(out.AllocationId)
	st := &p.fd.Status.Network
	entry := natIn(st.NATGateways, az)
	entry.AllocationID = id
	st.NATGateways = setNAT(st.NATGateways, p.azs, entry)
	p.created(ctx, kindElasticIP, id)
	if err := stage.CheckpointCreated(ctx, "Elastic IP "+id); err != nil {
		return "", err
	}
	p.inv.addresses = append(p.inv.addresses, ec2types.Address{
		AllocationId: out.AllocationId, PublicIp: out.PublicIp, Domain: ec2types.DomainTypeVpc,
		Tags: cloud.ToEC2(p.EC2Tags(eipResource(az))),
	})
	return id, nil
}

// pruneEIPs releases the Elastic IPs of NAT gateways the spec no longer asks for (after a
// suspend or a natGateways change), once their NAT gateway has let go of them.
func (p *pass) pruneEIPs(ctx context.Context) error {
	want := map[string]bool{}
	for _, az := range natAZs(p.fd, p.azs) {
		want[eipResource(az)] = true
	}
	for _, a := range owned(p.Owner(), p.inv.addresses, addressTags) {
		if want[resourceOf(a.Tags)] {
			continue
		}
		if _, err := p.releaseEIP(ctx, a, "not in the spec"); err != nil {
			return err
		}
	}
	return nil
}

// releaseEIP releases one Elastic IP; false while a NAT gateway still holds it.
func (p *pass) releaseEIP(ctx context.Context, a ec2types.Address, why string) (bool, error) {
	id := aws.ToString(a.AllocationId)
	if !p.MayWrite(false, "Elastic IP %s is %s", id, why) {
		return false, nil
	}
	if a.AssociationId != nil || a.NetworkInterfaceId != nil {
		p.WaitFor(v1alpha1.ReasonWaitingForNATGateway, natPollInterval, "Elastic IP %s is still in use, waiting for its NAT gateway to be deleted", id)
		return false, nil
	}
	if _, err := p.ec2.ReleaseAddress(ctx, &ec2.ReleaseAddressInput{AllocationId: aws.String(id)}); err != nil {
		switch {
		case cloud.IsNotFound(err):
			return true, nil
		case cloud.IsDependencyViolation(err) || cloud.IsAddressInUse(err):
			p.WaitFor(v1alpha1.ReasonWaitingForNATGateway, natPollInterval, "Elastic IP %s is still in use, waiting for its NAT gateway to be deleted", id)
			return false, nil
		}
		return false, fmt.Errorf("release Elastic IP %s: %w", id, err)
	}
	p.Deleted(ctx, kindElasticIP, id)
	return true, nil
}

// deleteEIPs releases every Elastic IP of fd's network.
func (p *pass) deleteEIPs(ctx context.Context) (bool, error) {
	done := true
	for _, a := range deletable(ctx, p, kindElasticIP, p.inv.addresses, allocationID, addressTags) {
		ok, err := p.releaseEIP(ctx, a, "being deleted")
		if err != nil {
			return false, err
		}
		done = done && ok
	}
	if done {
		p.fd.Status.Network.NATGateways = nil
	}
	return done, nil
}

// natIn returns the status entry of the NAT gateway in az (a new one if none).
func natIn(list []v1alpha1.NATGatewayStatus, az string) v1alpha1.NATGatewayStatus {
	for _, n := range list {
		if n.AvailabilityZone == az {
			return n
		}
	}
	return v1alpha1.NATGatewayStatus{AvailabilityZone: az}
}

// setNAT puts n into list, keyed by zone and ordered as azs; an entry with neither a
// gateway nor an allocation is removed.
func setNAT(list []v1alpha1.NATGatewayStatus, azs []string, n v1alpha1.NATGatewayStatus) []v1alpha1.NATGatewayStatus {
	return setByZone(list, azs, n, func(e v1alpha1.NATGatewayStatus) (string, bool) {
		return e.AvailabilityZone, e.ID != "" || e.AllocationID != ""
	})
}
