package network

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/flaskops/flask-operator/api/v1alpha1"
	"github.com/flaskops/flask-operator/controllers/stage"
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
var blockerKinds = map[string]string{"network interface": "NetworkInterface", "security group": "SecurityGroup"}

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
// name the reason (DeletionBlocked), and sends one event per blocker saying what to do.
// The event is sent once: while the DeletionBlocked condition already names the blocker,
// the user has been told. fallback is the wait when AWS refused but nothing was found.
func (p *pass) report(b blockers, fallback string) {
	blocked := meta.FindStatusCondition(p.fd.Status.Conditions, v1alpha1.ConditionDeletionBlocked)
	for _, x := range b.list {
		if !x.blocking {
			continue
		}
		p.WaitFor(v1alpha1.ReasonDeletionBlocked, deletePollInterval,
			"%s is held by %s %s (%s), which this operator did not create", b.holders[x.id], x.kind, x.id, x.detail)
		if blocked == nil || !strings.Contains(blocked.Message, x.id) {
			p.recorder.Eventf(p.fd, stage.AWSResource(blockerKinds[x.kind], x.id), corev1.EventTypeWarning, v1alpha1.ReasonDeletionBlocked, "Delete",
				"%s (%s), which holds %s; deletion resumes by itself", x.remedy, x.detail, b.holders[x.id])
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
