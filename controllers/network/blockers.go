package network

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/internal/cloud"
)

// blocker is something in fd's network that keeps a delete refused with DependencyViolation.
type blocker struct {
	id, kind, detail string
	// remedy is what the user does about it: "detach and delete network interface eni-1".
	remedy string
	// blocking is true for what the operator did not create and will not remove (a user's
	// network interface or security group, the interface of someone else's NAT gateway);
	// false for what AWS releases by itself (the interfaces of our deleted NAT gateways, of
	// load balancers and tasks, draining).
	blocking bool
}

// blockerKinds are the blockers' kinds as event references name them.
var blockerKinds = map[string]string{"network interface": "NetworkInterface", "security group": "SecurityGroup",
	"VPC peering connection": "VpcPeeringConnection"}

// blockers collects, over the delete steps of one pass, what keeps each of them waiting.
type blockers struct {
	list []blocker
	// holders names what each blocker holds: "subnet subnet-1".
	holders map[string]string
}

// interfacesIn lists the network interfaces matching one EC2 filter (subnet-id, vpc-id).
func (p *pass) interfacesIn(ctx context.Context, filter, value string) ([]blocker, error) {
	var out []blocker
	pg := ec2.NewDescribeNetworkInterfacesPaginator(p.ec2, &ec2.DescribeNetworkInterfacesInput{
		Filters: []ec2types.Filter{{Name: aws.String(filter), Values: []string{value}}},
	})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe network interfaces with %s %s: %w", filter, value, err)
		}
		for _, n := range page.NetworkInterfaces {
			details := []string{string(n.InterfaceType)}
			if d := aws.ToString(n.Description); d != "" {
				details = append(details, fmt.Sprintf("%q", d))
			}
			if o := aws.ToString(n.OwnerId); o != "" {
				details = append(details, "owner "+o)
			}
			if r := aws.ToString(n.RequesterId); r != "" {
				details = append(details, "requester "+r)
			}
			id := aws.ToString(n.NetworkInterfaceId)
			b := blocker{id: id, kind: "network interface", detail: strings.Join(details, ", "),
				remedy: "detach and delete network interface " + id, blocking: !aws.ToBool(n.RequesterManaged)}
			if nat, ok := strings.CutPrefix(aws.ToString(n.Description), "Interface for NAT Gateway "); ok && !p.ownsNAT(nat) {
				b.remedy, b.blocking = "delete NAT gateway "+nat+", whose network interface "+id+" it is", true
			}
			out = append(out, b)
		}
	}
	return out, nil
}

// groupsIn lists the security groups in a VPC other than its default group. A group of
// this object (the service stage's) is waited for; any other blocks.
func (p *pass) groupsIn(ctx context.Context, vpc string) ([]blocker, error) {
	var out []blocker
	pg := ec2.NewDescribeSecurityGroupsPaginator(p.ec2, &ec2.DescribeSecurityGroupsInput{
		Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{vpc}}},
	})
	for pg.HasMorePages() {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe security groups of VPC %s: %w", vpc, err)
		}
		for _, g := range page.SecurityGroups {
			if aws.ToString(g.GroupName) == "default" {
				continue
			}
			tags := cloud.FromEC2(g.Tags)
			detail := fmt.Sprintf("%q, owner %s", aws.ToString(g.GroupName), aws.ToString(g.OwnerId))
			if owner := tags[cloud.TagOwner]; owner != "" {
				detail += ", flaskops.io/owner " + owner
			}
			out = append(out, blocker{id: aws.ToString(g.GroupId), kind: "security group", detail: detail,
				remedy:   "delete security group " + aws.ToString(g.GroupId),
				blocking: !p.Owner().Owns(tags)})
		}
	}
	return out, nil
}

// livePeeringStates are the states in which a peering connection links a VPC to another or
// asks to.
var livePeeringStates = []string{"pending-acceptance", "provisioning", "active"}

// peeringsOf lists the VPC peering connections of someone else's that link VPC vpc, or ask
// to. DeleteVpc would delete an active one with the VPC, breaking another team's link
// silently, and is refused while another account's request waits; so each one blocks.
// Connections carrying fd's ownership tags are left to go with the VPC. EC2 ANDs distinct
// filters and ORs only the values of one, so "requester or accepter is vpc" takes a call
// per side; filtering by state alone and matching the sides here would read every
// connection of the account in the region.
func (p *pass) peeringsOf(ctx context.Context, vpc string) ([]blocker, error) {
	var out []blocker
	for _, side := range []string{"requester", "accepter"} {
		pg := ec2.NewDescribeVpcPeeringConnectionsPaginator(p.ec2, &ec2.DescribeVpcPeeringConnectionsInput{
			Filters: []ec2types.Filter{
				{Name: aws.String(side + "-vpc-info.vpc-id"), Values: []string{vpc}},
				{Name: aws.String("status-code"), Values: livePeeringStates},
			},
		})
		for pg.HasMorePages() {
			page, err := pg.NextPage(ctx)
			if err != nil {
				return nil, fmt.Errorf("describe VPC peering connections with %s VPC %s: %w", side, vpc, err)
			}
			for _, c := range page.VpcPeeringConnections {
				tags := cloud.FromEC2(c.Tags)
				if p.Owner().Owns(tags) {
					continue
				}
				out = append(out, peeringBlocker(c, side, tags))
			}
		}
	}
	return out, nil
}

// peeringBlocker describes connection c, whose side is our VPC: its state, the VPC at the
// other end and that VPC's account, and its Name.
func peeringBlocker(c ec2types.VpcPeeringConnection, side string, tags map[string]string) blocker {
	id := aws.ToString(c.VpcPeeringConnectionId)
	var state ec2types.VpcPeeringConnectionStateReasonCode
	if c.Status != nil {
		state = c.Status.Code
	}
	other := c.AccepterVpcInfo
	if side == "accepter" {
		other = c.RequesterVpcInfo
	}
	details := []string{string(state)}
	if other != nil {
		details = append(details, fmt.Sprintf("peer VPC %s of account %s", aws.ToString(other.VpcId), aws.ToString(other.OwnerId)))
	}
	if name := tags["Name"]; name != "" {
		details = append(details, fmt.Sprintf("Name %q", name))
	}
	remedy := "delete VPC peering connection " + id
	if state == ec2types.VpcPeeringConnectionStateReasonCodePendingAcceptance {
		remedy = "reject or delete VPC peering connection " + id
	}
	return blocker{id: id, kind: "VPC peering connection", detail: strings.Join(details, ", "), remedy: remedy, blocking: true}
}

// add notes what holds holder (a subnet or the VPC).
func (b *blockers) add(holder string, list []blocker) {
	if b.holders == nil {
		b.holders = map[string]string{}
	}
	for _, x := range list {
		b.list = append(b.list, x)
		b.holders[x.id] = holder
	}
}

// report turns the blockers into the pass's waits, the blocking ones first so that they
// name the reason (DeletionBlocked) and tell the user, once, what to do. fallback is the
// wait when AWS refused but nothing was found.
func (p *pass) report(b blockers, fallback string) {
	for _, x := range b.list {
		if x.blocking {
			p.Blocked(deletePollInterval, blockerKinds[x.kind], x.id,
				fmt.Sprintf("%s is held by %s %s (%s), which this operator did not create", b.holders[x.id], x.kind, x.id, x.detail),
				fmt.Sprintf("%s (%s), which holds %s", x.remedy, x.detail, b.holders[x.id]))
		}
	}
	for _, x := range b.list {
		if !x.blocking {
			p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval,
				"%s still holds %s %s (%s), which AWS releases once what it serves is deleted", b.holders[x.id], x.kind, x.id, x.detail)
		}
	}
	if len(b.list) == 0 && fallback != "" {
		p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval, "%s", fallback)
	}
}

// ownsNAT reports whether NAT gateway id is one of fd's.
func (p *pass) ownsNAT(id string) bool {
	for _, n := range owned(p.Owner(), p.inv.nats, natTags) {
		if aws.ToString(n.NatGatewayId) == id {
			return true
		}
	}
	return false
}
