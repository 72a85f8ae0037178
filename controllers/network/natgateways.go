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

// natResource is the resource tag of the NAT gateway in a zone.
func natResource(az string) string { return "nat-" + az }

// natAZs are the zones that get a NAT gateway: the first for Single, all for PerAZ, none
// for None or while suspended.
func natAZs(fd *v1alpha1.FlaskDeployment, azs []string) []string {
	if fd.Spec.Suspend || len(azs) == 0 {
		return nil
	}
	switch fd.Spec.Network.NATGateways {
	case v1alpha1.NATGatewayNone:
		return nil
	case v1alpha1.NATGatewayPerAZ:
		return azs
	default:
		return azs[:1]
	}
}

// liveNAT reports whether a NAT gateway is, or is becoming, usable.
func liveNAT(n ec2types.NatGateway) bool {
	return n.State == ec2types.NatGatewayStatePending || n.State == ec2types.NatGatewayStateAvailable
}

// goneNAT reports whether a NAT gateway is deleted (or failed, which AWS deletes itself).
func goneNAT(n ec2types.NatGateway) bool {
	return n.State == ec2types.NatGatewayStateDeleted || n.State == ec2types.NatGatewayStateFailed
}

// reconcileNATGateways finds or creates the NAT gateway of each zone natAZs names, in that
// zone's public subnet with its Elastic IP. A pending gateway is a wait, not a block.
func (p *pass) reconcileNATGateways(ctx context.Context) error {
	st := &p.fd.Status.Network
	live := filter(p.inv.nats, liveNAT)
	for _, az := range natAZs(p.fd, p.azs) {
		entry := natIn(st.NATGateways, az)
		ngw, err := find(p.Owner(), live, natID, natTags, entry.ID, natResource(az))
		if err != nil {
			return err
		}
		created := false
		if ngw == nil {
			if entry.ID != "" {
				p.Drift(ctx, "NAT gateway %s in %s no longer exists; creating a new one", entry.ID, az)
				entry.ID, entry.State = "", ""
				st.NATGateways = setNAT(st.NATGateways, p.azs, entry)
				st.CreateAttempt++ // the old ClientToken would hand back the deleted gateway
			}
			subnet := subnetIn(st.PublicSubnets, az)
			if subnet == "" || entry.AllocationID == "" {
				continue // Observe without them; a Full pass has created both by now
			}
			if !p.MayWrite(true, "NAT gateway in %s", az) {
				continue
			}
			if p.eipInUse(entry.AllocationID) {
				p.WaitFor(v1alpha1.ReasonWaitingForNATGateway, natPollInterval,
					"Elastic IP %s is still held by a deleted NAT gateway", entry.AllocationID)
				continue
			}
			if ngw, err = p.createNATGateway(ctx, az, subnet, entry.AllocationID); err != nil {
				return err
			}
			created = true
		}
		id := aws.ToString(ngw.NatGatewayId)
		if !created {
			if err := p.repairTags(ctx, kindNATGateway, id, natResource(az), ngw.Tags); err != nil {
				return err
			}
		}
		entry.ID, entry.State = id, string(ngw.State)
		st.NATGateways = setNAT(st.NATGateways, p.azs, entry)
		if ngw.State != ec2types.NatGatewayStateAvailable {
			p.WaitFor(v1alpha1.ReasonWaitingForNATGateway, natPollInterval, "NAT gateway %s %s", id, ngw.State)
		}
	}
	return nil
}

func (p *pass) createNATGateway(ctx context.Context, az, subnet, allocation string) (*ec2types.NatGateway, error) {
	st := &p.fd.Status.Network
	for range 2 {
		out, err := p.ec2.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{
			SubnetId:          aws.String(subnet),
			AllocationId:      aws.String(allocation),
			ConnectivityType:  ec2types.ConnectivityTypePublic,
			ClientToken:       aws.String(p.token("nat/" + az + "/" + subnet + "/" + allocation)),
			TagSpecifications: p.tagSpec(ec2types.ResourceTypeNatgateway, natResource(az)),
		})
		if err != nil {
			if cloud.IsIdempotencyMismatch(err) {
				st.CreateAttempt++
				continue
			}
			return nil, fmt.Errorf("create NAT gateway in subnet %s: %w", subnet, err)
		}
		ngw := out.NatGateway
		if !liveNAT(*ngw) {
			// The token was spent on a gateway that has since been deleted.
			st.CreateAttempt++
			continue
		}
		id := aws.ToString(ngw.NatGatewayId)
		st.NATGateways = setNAT(st.NATGateways, p.azs, v1alpha1.NATGatewayStatus{
			ID: id, AvailabilityZone: az, AllocationID: allocation, State: string(ngw.State),
		})
		p.created(ctx, kindNATGateway, id)
		if err := stage.CheckpointCreated(ctx, "NAT gateway "+id); err != nil {
			return nil, err
		}
		p.inv.nats = append(p.inv.nats, *ngw)
		return ngw, nil
	}
	return nil, stage.Terminalf(v1alpha1.ReasonAWSValidationError,
		"create NAT gateway in subnet %s: AWS keeps answering with a deleted gateway for fresh client tokens", subnet)
}

// token is the ClientToken of a create, from the object's UID, the resource's key (which
// holds every parameter that can change) and the attempt counter in status.
func (p *pass) token(key string) string {
	return stage.ClientToken(p.fd.UID, key, p.fd.Status.Network.CreateAttempt, stage.EC2TokenLength)
}

// eipInUse reports whether an Elastic IP is associated (with a NAT gateway being deleted).
func (p *pass) eipInUse(allocation string) bool {
	for _, a := range p.inv.addresses {
		if aws.ToString(a.AllocationId) == allocation {
			return a.AssociationId != nil || a.NetworkInterfaceId != nil
		}
	}
	return false
}

// pruneNATGateways deletes NAT gateways the spec no longer asks for (suspend, or a
// natGateways change) and waits while any of ours is deleting, so their Elastic IPs can go.
func (p *pass) pruneNATGateways(ctx context.Context) error {
	want := map[string]bool{}
	for _, az := range natAZs(p.fd, p.azs) {
		want[natResource(az)] = true
	}
	st := &p.fd.Status.Network
	var kept []v1alpha1.NATGatewayStatus
	for _, n := range st.NATGateways {
		if want[natResource(n.AvailabilityZone)] || p.Observing() {
			kept = append(kept, n)
		}
	}
	st.NATGateways = kept
	for _, n := range owned(p.Owner(), p.inv.nats, natTags) {
		id := aws.ToString(n.NatGatewayId)
		switch {
		case n.State == ec2types.NatGatewayStateDeleting && !want[resourceOf(n.Tags)]:
			p.WaitFor(v1alpha1.ReasonWaitingForNATGateway, natPollInterval, "NAT gateway %s deleting", id)
		case liveNAT(n) && !want[resourceOf(n.Tags)]:
			if !p.MayWrite(false, "NAT gateway %s is not in the spec", id) {
				continue
			}
			if err := p.deleteNATGateway(ctx, id); err != nil {
				return err
			}
			p.WaitFor(v1alpha1.ReasonWaitingForNATGateway, natPollInterval, "NAT gateway %s deleting", id)
		}
	}
	return nil
}

func (p *pass) deleteNATGateway(ctx context.Context, id string) error {
	if _, err := p.ec2.DeleteNatGateway(ctx, &ec2.DeleteNatGatewayInput{NatGatewayId: aws.String(id)}); err != nil {
		if cloud.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("delete NAT gateway %s: %w", id, err)
	}
	p.Deleted(ctx, kindNATGateway, id)
	return nil
}

// deleteNATGateways deletes every NAT gateway of fd's network; done once all are deleted.
func (p *pass) deleteNATGateways(ctx context.Context) (bool, error) {
	done := true
	for _, n := range deletable(ctx, p, kindNATGateway, p.inv.nats, natID, natTags) {
		id := aws.ToString(n.NatGatewayId)
		switch {
		case goneNAT(n):
		case n.State == ec2types.NatGatewayStateDeleting:
			p.WaitFor(v1alpha1.ReasonWaitingForDeletion, natPollInterval, "waiting for NAT gateway %s to be deleted (deleting)", id)
			done = false
		default:
			if err := p.deleteNATGateway(ctx, id); err != nil {
				return false, err
			}
			p.WaitFor(v1alpha1.ReasonWaitingForDeletion, natPollInterval, "waiting for NAT gateway %s to be deleted (deleting)", id)
			done = false
		}
	}
	if done {
		for i := range p.fd.Status.Network.NATGateways {
			p.fd.Status.Network.NATGateways[i].ID = ""
			p.fd.Status.Network.NATGateways[i].State = ""
		}
	}
	return done, nil
}

func filter[T any](items []T, keep func(T) bool) []T {
	var out []T
	for _, it := range items {
		if keep(it) {
			out = append(out, it)
		}
	}
	return out
}
