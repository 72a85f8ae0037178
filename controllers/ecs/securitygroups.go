package ecs

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
	"github.com/flaskops/flask-operator/internal/cloud"
)

// The two security groups: the load balancer's and the tasks'.
type securityGroup struct {
	resource string // the resource tag
	suffix   string // the name suffix
	id       func(*v1alpha1.ServiceStatus) *string
}

var (
	loadBalancerSG = securityGroup{resource: "alb-sg", suffix: "alb",
		id: func(st *v1alpha1.ServiceStatus) *string { return &st.LoadBalancerSecurityGroupID }}
	serviceSG = securityGroup{resource: "service-sg", suffix: "tasks",
		id: func(st *v1alpha1.ServiceStatus) *string { return &st.ServiceSecurityGroupID }}
)

// sgRule is one ingress rule with one peer (a CIDR or a security group), the way AWS
// stores rules; an IpPermission with several peers is several rules.
type sgRule struct {
	protocol string
	from, to int32
	cidr     string
	group    string
}

func (r sgRule) String() string {
	peer := r.cidr
	if r.group != "" {
		peer = "security group " + r.group
	}
	if r.from == r.to {
		return fmt.Sprintf("%s %d from %s", r.protocol, r.from, peer)
	}
	return fmt.Sprintf("%s %d-%d from %s", r.protocol, r.from, r.to, peer)
}

// permission is the rule as an IpPermission for Authorize/Revoke.
func (r sgRule) permission() ec2types.IpPermission {
	perm := ec2types.IpPermission{IpProtocol: aws.String(r.protocol)}
	if r.protocol != "-1" {
		perm.FromPort, perm.ToPort = aws.Int32(r.from), aws.Int32(r.to)
	}
	if r.group != "" {
		perm.UserIdGroupPairs = []ec2types.UserIdGroupPair{{GroupId: aws.String(r.group)}}
	} else {
		perm.IpRanges = []ec2types.IpRange{{CidrIp: aws.String(r.cidr)}}
	}
	return perm
}

// ingressRules flattens a group's IpPermissions into per-peer rules.
func ingressRules(perms []ec2types.IpPermission) []sgRule {
	var out []sgRule
	for _, p := range perms {
		base := sgRule{protocol: aws.ToString(p.IpProtocol), from: aws.ToInt32(p.FromPort), to: aws.ToInt32(p.ToPort)}
		for _, r := range p.IpRanges {
			rule := base
			rule.cidr = aws.ToString(r.CidrIp)
			out = append(out, rule)
		}
		for _, g := range p.UserIdGroupPairs {
			rule := base
			rule.group = aws.ToString(g.GroupId)
			out = append(out, rule)
		}
	}
	return out
}

// loadBalancerIngress is what the load balancer's group admits: each listener's port from
// each allowed CIDR.
func (p *pass) loadBalancerIngress() []sgRule {
	var out []sgRule
	for _, w := range p.wantListeners() {
		for _, c := range p.fd.Spec.Service.LoadBalancer.AllowedCIDRs {
			out = append(out, sgRule{protocol: "tcp", from: w.port, to: w.port, cidr: c})
		}
	}
	return out
}

// serviceIngress is what the tasks' group admits: the container ports from the load
// balancer's group only.
func serviceIngress(lbGroup string, ports []int32) []sgRule {
	var out []sgRule
	for _, port := range ports {
		out = append(out, sgRule{protocol: "tcp", from: port, to: port, group: lbGroup})
	}
	return out
}

// servingPorts are the container ports the tasks listen on: the spec's and, while a
// rollout changes it, those of the task definitions the service's deployments still run,
// whose tasks serve until the rollout ends. A light pass takes the spec's only, reading no
// task definition: a rule for another port sends it to a full pass, which looks.
func (p *pass) servingPorts(ctx context.Context) ([]int32, error) {
	ports := []int32{p.fd.Spec.Service.ContainerPort}
	svc, err := p.findService(ctx)
	if err != nil || svc == nil || p.Light() {
		return ports, err
	}
	for _, d := range svc.Deployments {
		td, _, err := p.describeTaskDefinition(ctx, aws.ToString(d.TaskDefinition))
		if err != nil {
			return nil, err
		}
		if td == nil {
			continue
		}
		if s, ok := specOf(td); ok && s.Port != 0 && !slices.Contains(ports, s.Port) {
			ports = append(ports, s.Port)
		}
	}
	return ports, nil
}

// reconcileSecurityGroups finds or creates the load balancer's and the tasks' security
// groups in the network's VPC and keeps their tags and ingress rules as the spec says.
func (p *pass) reconcileSecurityGroups(ctx context.Context) error {
	groups, err := p.findSecurityGroups(ctx)
	if err != nil {
		return err
	}
	lbGroup, err := p.reconcileSecurityGroup(ctx, groups, loadBalancerSG,
		"load balancer of "+p.Owner().Ref(), p.loadBalancerIngress)
	if err != nil || lbGroup == "" {
		return err
	}
	ports, err := p.servingPorts(ctx)
	if err != nil {
		return err
	}
	_, err = p.reconcileSecurityGroup(ctx, groups, serviceSG,
		"tasks of "+p.Owner().Ref()+": the load balancer only", func() []sgRule { return serviceIngress(lbGroup, ports) })
	return err
}

// findSecurityGroups lists the stage's groups of fd by their tags (one call for both),
// and the groups status names that the tags no longer find, which the ownership check
// then refuses.
func (p *pass) findSecurityGroups(ctx context.Context) ([]ec2types.SecurityGroup, error) {
	groups, err := p.describeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: p.Filters("")}, "of "+p.Owner().Ref())
	if err != nil {
		return nil, err
	}
	st := &p.fd.Status.Service
	for _, id := range []string{st.LoadBalancerSecurityGroupID, st.ServiceSecurityGroupID} {
		if id == "" || slices.ContainsFunc(groups, func(g ec2types.SecurityGroup) bool { return aws.ToString(g.GroupId) == id }) {
			continue
		}
		found, err := p.describeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{GroupIds: []string{id}}, id)
		if cloud.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		groups = append(groups, found...)
	}
	return groups, nil
}

func (p *pass) describeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, what string) ([]ec2types.SecurityGroup, error) {
	var groups []ec2types.SecurityGroup
	pages := ec2.NewDescribeSecurityGroupsPaginator(p.EC2, in)
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("describe security groups %s: %w", what, err)
		}
		groups = append(groups, out.SecurityGroups...)
	}
	return groups, nil
}

// findSecurityGroup picks the group with the ID in status, else the one tagged with the
// resource whose tags prove it fd's. Two of those are a conflict the user has to resolve.
func (p *pass) findSecurityGroup(groups []ec2types.SecurityGroup, which securityGroup) (*ec2types.SecurityGroup, error) {
	statusID := *which.id(&p.fd.Status.Service)
	var found []*ec2types.SecurityGroup
	var ids []string
	for i := range groups {
		if statusID != "" && aws.ToString(groups[i].GroupId) == statusID {
			return &groups[i], nil
		}
		if tags := cloud.FromEC2(groups[i].Tags); tags[cloud.TagResource] == which.resource && p.Owner().Owns(tags) {
			found = append(found, &groups[i])
			ids = append(ids, aws.ToString(groups[i].GroupId))
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	}
	return nil, stage.Terminalf(v1alpha1.ReasonOwnershipConflict,
		"%d security groups are this object's %s: %s; delete the extra ones so that exactly one is left",
		len(found), which.resource, strings.Join(ids, ", "))
}

// reconcileSecurityGroup converges one group and returns its ID ("" under Observe when
// it does not exist). Its ID in status is updated and checkpointed on create.
func (p *pass) reconcileSecurityGroup(ctx context.Context, groups []ec2types.SecurityGroup, which securityGroup,
	description string, want func() []sgRule) (string, error) {
	statusID := which.id(&p.fd.Status.Service)
	sg, err := p.findSecurityGroup(groups, which)
	if err != nil {
		return "", err
	}
	created := false
	if sg == nil {
		if *statusID != "" {
			p.Drift(ctx, "security group %s no longer exists; creating a new one", *statusID)
			*statusID = ""
		}
		if !p.MayWrite(true, "security group %s", p.name(cloud.SecurityGroupName, which.suffix)) {
			return "", nil
		}
		if sg, created, err = p.createSecurityGroup(ctx, which, description); err != nil {
			return "", err
		}
	}
	id := aws.ToString(sg.GroupId)
	if !created {
		if err := p.RepairTags(ctx, kindSecurityGroup, id, p.EC2Tags(which.resource), cloud.FromEC2(sg.Tags), cloud.EC2Tagger(p.EC2)); err != nil {
			return "", err
		}
	}
	*statusID = id
	if vpc := aws.ToString(sg.VpcId); vpc != p.fd.Status.Network.VPCID {
		return "", stage.Terminalf(v1alpha1.ReasonImmutableField,
			"security group %s is in VPC %s, not in the network's VPC %s; delete it to let the operator create one there",
			id, vpc, p.fd.Status.Network.VPCID)
	}
	return id, p.reconcileIngress(ctx, id, ingressRules(sg.IpPermissions), want(), created)
}

// createSecurityGroup creates the group, tagged. A group of its name in the VPC (one the
// tags did not find) is found by name instead and goes through the ownership check.
func (p *pass) createSecurityGroup(ctx context.Context, which securityGroup, description string) (*ec2types.SecurityGroup, bool, error) {
	name, vpc := p.name(cloud.SecurityGroupName, which.suffix), p.fd.Status.Network.VPCID
	out, err := p.EC2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName:         aws.String(name),
		Description:       aws.String(description),
		VpcId:             aws.String(vpc),
		TagSpecifications: cloud.EC2TagSpec(ec2types.ResourceTypeSecurityGroup, p.EC2Tags(which.resource)),
	}, ec2RetryThrottledOnly)
	if cloud.IsAlreadyExists(err) {
		groups, ferr := p.describeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: []ec2types.Filter{
			{Name: aws.String("vpc-id"), Values: []string{vpc}}, {Name: aws.String("group-name"), Values: []string{name}},
		}}, name)
		if ferr != nil {
			return nil, false, ferr
		}
		if len(groups) != 1 {
			return nil, false, fmt.Errorf("create security group %s in VPC %s: %w, yet %d groups of that name are there", name, vpc, err, len(groups))
		}
		return &groups[0], false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("create security group %s in VPC %s: %w", name, vpc, err)
	}
	id := aws.ToString(out.GroupId)
	*which.id(&p.fd.Status.Service) = id
	p.Created(ctx, kindSecurityGroup, id)
	if err := stage.CheckpointCreated(ctx, "security group "+id); err != nil {
		return nil, false, err
	}
	return &ec2types.SecurityGroup{GroupId: out.GroupId, VpcId: aws.String(vpc), Tags: out.Tags}, true, nil
}

// reconcileIngress adds the missing rules and revokes the unexpected ones. On a group
// just created, adding its rules is part of the set-up, not a repair.
func (p *pass) reconcileIngress(ctx context.Context, id string, have, want []sgRule, created bool) error {
	var missing, extra []sgRule
	for _, r := range want {
		if !slices.Contains(have, r) {
			missing = append(missing, r)
		}
	}
	for _, r := range have {
		if !slices.Contains(want, r) {
			extra = append(extra, r)
		}
	}
	if len(missing) > 0 && (created || p.MayWrite(false, "security group %s lacks ingress %s", id, rulesString(missing))) {
		if _, err := p.EC2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
			GroupId: aws.String(id), IpPermissions: permissions(missing),
		}); err != nil && !cloud.IsAlreadyExists(err) {
			return fmt.Errorf("authorize ingress %s on security group %s: %w", rulesString(missing), id, err)
		}
		if !created {
			p.repair(ctx, "UpdatedSecurityGroup", "security group %s lacked ingress %s; added", id, rulesString(missing))
		}
	}
	if len(extra) > 0 && p.MayWrite(false, "security group %s has unexpected ingress %s", id, rulesString(extra)) {
		if err := p.revokeIngress(ctx, id, extra); err != nil {
			return err
		}
		p.repair(ctx, "UpdatedSecurityGroup", "security group %s had unexpected ingress %s; revoked", id, rulesString(extra))
	}
	return nil
}

func (p *pass) revokeIngress(ctx context.Context, id string, rules []sgRule) error {
	if _, err := p.EC2.RevokeSecurityGroupIngress(ctx, &ec2.RevokeSecurityGroupIngressInput{
		GroupId: aws.String(id), IpPermissions: permissions(rules),
	}); err != nil && !cloud.IsNotFound(err) {
		return fmt.Errorf("revoke ingress %s on security group %s: %w", rulesString(rules), id, err)
	}
	return nil
}

func permissions(rules []sgRule) []ec2types.IpPermission {
	out := make([]ec2types.IpPermission, 0, len(rules))
	for _, r := range rules {
		out = append(out, r.permission())
	}
	return out
}

func rulesString(rules []sgRule) string {
	s := make([]string, 0, len(rules))
	for _, r := range rules {
		s = append(s, r.String())
	}
	return strings.Join(s, ", ")
}

// deleteSecurityGroups deletes the stage's groups of fd. The rules that reference one of
// them go first, so neither group holds the other; a group still attached to interfaces
// (a deleted load balancer's linger for a minute or so) is a wait. A group status names
// that is not fd's is left in place; when it references one of fd's, which AWS then
// refuses to delete, that is DeletionBlocked.
func (p *pass) deleteSecurityGroups(ctx context.Context) (bool, error) {
	groups, err := p.findSecurityGroups(ctx)
	if err != nil {
		return false, err
	}
	var ours, foreign []ec2types.SecurityGroup
	for _, g := range groups {
		if p.Deletable(ctx, kindSecurityGroup, aws.ToString(g.GroupId), cloud.FromEC2(g.Tags)) {
			ours = append(ours, g)
		} else {
			foreign = append(foreign, g)
		}
	}
	isOurs := map[string]bool{}
	for _, g := range ours {
		isOurs[aws.ToString(g.GroupId)] = true
	}
	for _, g := range foreign {
		for _, r := range ingressRules(g.IpPermissions) {
			if isOurs[r.group] {
				return false, stage.Terminalf(v1alpha1.ReasonDeletionBlocked,
					"security group %s is not this object's (%s) and admits traffic from this object's security group %s, which AWS does not delete while it is referenced: remove that rule or that group",
					aws.ToString(g.GroupId), p.Owner().Describe(cloud.FromEC2(g.Tags)), r.group)
			}
		}
	}
	for _, g := range ours {
		var refs []sgRule
		for _, r := range ingressRules(g.IpPermissions) {
			if isOurs[r.group] {
				refs = append(refs, r)
			}
		}
		if len(refs) > 0 {
			if err := p.revokeIngress(ctx, aws.ToString(g.GroupId), refs); err != nil {
				return false, err
			}
		}
	}
	done := true
	var blocked []sgHolder
	var releasing []string
	for _, g := range ours {
		id := aws.ToString(g.GroupId)
		if _, err := p.EC2.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: aws.String(id)}); err != nil {
			switch {
			case cloud.IsNotFound(err):
				continue
			case cloud.IsDependencyViolation(err):
				done = false
				holders, err := p.holdersOf(ctx, id, isOurs)
				if err != nil {
					return false, err
				}
				blocked = append(blocked, holders...)
				if len(holders) == 0 {
					releasing = append(releasing, id)
				}
				continue
			default:
				return false, fmt.Errorf("delete security group %s: %w", id, err)
			}
		}
		p.Deleted(ctx, kindSecurityGroup, id)
	}
	// What blocks comes first: it names the reason (DeletionBlocked).
	p.reportHolders(blocked)
	for _, id := range releasing {
		p.WaitFor(v1alpha1.ReasonWaitingForDeletion, deletePollInterval,
			"security group %s is still attached to network interfaces (a deleted load balancer's or task's release theirs within minutes)", id)
	}
	if done {
		st := &p.fd.Status.Service
		st.LoadBalancerSecurityGroupID, st.ServiceSecurityGroupID = "", ""
	}
	return done, nil
}

// sgHolder is something of someone else's that keeps one of fd's security groups from
// being deleted.
type sgHolder struct {
	group  string // fd's group it holds
	id     string // its own ID
	what   string // "security group sg-1 ("db", owner 123456789012; ...), whose rules reference it"
	remedy string // what the user does about it
}

// holdersOf lists what keeps fd's security group id from being deleted that this object
// did not create and AWS does not release by itself: other security groups whose rules
// reference it (ours are fd's groups, whose rules the caller already revoked). Network
// interfaces are not looked up: those of load balancers and tasks go by themselves, and
// one a user placed in fd's subnets is named by the network stage.
func (p *pass) holdersOf(ctx context.Context, id string, ours map[string]bool) ([]sgHolder, error) {
	var out []sgHolder
	seen := map[string]bool{}
	for _, filter := range []string{"ip-permission.group-id", "egress.ip-permission.group-id"} {
		groups, err := p.describeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
			Filters: []ec2types.Filter{{Name: aws.String(filter), Values: []string{id}}},
		}, "whose rules reference "+id)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			gid := aws.ToString(g.GroupId)
			if ours[gid] || seen[gid] {
				continue
			}
			seen[gid] = true
			out = append(out, sgHolder{group: id, id: gid,
				what: fmt.Sprintf("security group %s (%q, owner %s; %s), whose rules reference it",
					gid, aws.ToString(g.GroupName), aws.ToString(g.OwnerId), p.Owner().Describe(cloud.FromEC2(g.Tags))),
				remedy: fmt.Sprintf("remove the rules of security group %s that reference %s, or delete that group", gid, id)})
		}
	}
	return out, nil
}

// reportHolders makes each holder a DeletionBlocked wait and tells the user, once, what to
// do about it.
func (p *pass) reportHolders(holders []sgHolder) {
	for _, h := range holders {
		p.Blocked(deletePollInterval, "SecurityGroup", h.id,
			fmt.Sprintf("security group %s is held by %s, which this operator did not create", h.group, h.what), h.remedy)
	}
}

// ec2RetryThrottledOnly is the option of CreateSecurityGroup, which takes no ClientToken: the
// SDK retries it only when throttled, never after a failure that may have come after AWS
// acted (the next pass finds that group by its tags).
func ec2RetryThrottledOnly(o *ec2.Options) { o.Retryer = cloud.RetryThrottledOnly(o.Retryer) }
